"""`rag-coach transcribe` and `bench voice`: spoken answers transcribed locally (grade --audio is in ``interview``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from rag_coach.cli.common import EXIT_OK, _common, _settings


def cmd_transcribe(args: argparse.Namespace) -> int:
    from rag_coach.voice.delivery import render_markdown
    from rag_coach.voice.practice import spoken_answer
    from rag_coach.voice.transcribe import Transcriber

    if not args.verbose:
        logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    answer = spoken_answer(Transcriber(_settings(args)), Path(args.file), args.round)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(answer.text)
        print()
        print(render_markdown(answer.delivery))
        t = answer.transcript
        print(f"transcribed {t.duration_s:.1f} s of audio in {t.seconds:.1f} s", file=sys.stderr)
    return EXIT_OK


def cmd_bench_voice(args: argparse.Namespace) -> int:
    from rag_coach.voice.bench import format_report, run_bench

    report = run_bench(_settings(args), lengths_s=args.lengths, runs=args.runs, clips_dir=args.clips,
                       progress=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """transcribe."""
    p = sub.add_parser("transcribe", help="transcribe a spoken answer locally and measure its delivery")
    _common(p)
    p.add_argument("file", help="an audio file (wav, mp3, ogg, webm, m4a, flac)")
    p.add_argument("--round", help="round slug, to compare the answer's length with the round's expectation")
    p.set_defaults(func=cmd_transcribe)


def add_bench_parser(bench: argparse._SubParsersAction) -> None:
    """bench voice."""
    p = bench.add_parser("voice", help="transcription real-time factor and peak memory for 30 s, 2 min and 10 min clips")
    _common(p)
    p.add_argument("--lengths", type=float, nargs="*", default=[30, 120, 600], help="clip lengths in seconds")
    p.add_argument("--runs", type=int, default=3, help="runs per length (medians), each in a fresh process")
    p.add_argument("--clips", type=Path, help="folder of speech clips + clips.json (default: tests/voice/data)")
    p.set_defaults(func=cmd_bench_voice)


__all__ = ["add_bench_parser", "add_parsers", "cmd_bench_voice", "cmd_transcribe"]

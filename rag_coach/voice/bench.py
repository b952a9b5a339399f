"""`rag-coach bench voice`: real-time factor, peak memory and word error rate of transcription on long clips.

Clips of the requested lengths are built by repeating the committed speech clips (tests/voice/data, made
with espeak-ng) with 0.4–1.6 s gaps, written to wav a piece at a time (a sentence that would not fit is
left out, so the reference text is exact). Each run transcribes one clip in a
fresh child process, so its peak RSS (``ru_maxrss``) is that run's own: model load + transcription.
Real-time factor = transcription wall time / audio length (the model load is reported apart).
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rag_coach.settings import Settings

log = logging.getLogger(__name__)

RATE = 16_000
_CHILD = """
import json, resource, sys, time
from rag_coach.settings import Settings
from rag_coach.voice.transcribe import Transcriber
t = Transcriber(Settings.model_validate_json(sys.argv[2]))
began = time.perf_counter(); t.load(); load_s = time.perf_counter() - began
result = t.transcribe(sys.argv[1])
print(json.dumps({"load_s": load_s, "seconds": result.seconds, "audio_s": result.duration_s, "text": result.text,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def _number(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10 - 2] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    return str(n)


def normalise(text: str) -> list[str]:
    """Lower case, no punctuation, numbers below 100 spelled out ("30%" → "thirty percent")."""
    import re

    text = text.lower().replace("%", " percent").replace("-", " ")
    text = re.sub(r"\d+", lambda m: f" {_number(int(m.group()))} ", text)
    return re.sub(r"[^a-z' ]+", " ", text).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = normalise(reference), normalise(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, start=1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))


def default_clips_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "tests" / "voice" / "data"


def build_clip(clips_dir: Path, seconds: float, out: Path) -> str:
    """Write ``seconds`` of speech to ``out`` (16 kHz mono wav); returns the reference text."""
    import av

    truth = json.loads((clips_dir / "clips.json").read_text())
    sources: list[tuple[np.ndarray, str]] = []
    for entry in truth.values():
        with av.open(str(clips_dir / entry["file"])) as container:
            resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=RATE)
            parts = [f.to_ndarray().reshape(-1) for fr in container.decode(audio=0) for f in resampler.resample(fr)]
        sources.append((np.concatenate(parts), entry["text"]))
    rng = np.random.default_rng(0)
    target, written, texts = int(seconds * RATE), 0, []
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        while written < target:
            samples, text = sources[len(texts) % len(sources)]
            gap = np.zeros(int(rng.uniform(0.4, 1.6) * RATE), dtype=np.int16)
            if written + len(samples) > target:  # no sentence is cut: the rest is silence, the reference exact
                w.writeframes(np.zeros(target - written, dtype=np.int16).tobytes())
                break
            piece = np.concatenate([samples, gap])[: target - written]
            w.writeframes(piece.tobytes())
            written += len(piece)
            texts.append(text)
    return " ".join(texts)


def _child(clip: Path, settings: Settings) -> dict[str, Any]:
    """One transcription in a fresh process, with exactly these settings (passed whole, as JSON)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(clip), settings.model_dump_json()], capture_output=True,
                          text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"transcription child failed: {(done.stderr or '').strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_bench(settings: Settings, lengths_s: list[float], runs: int = 3, clips_dir: Path | None = None,
              progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    say = progress or log.info
    clips_dir = clips_dir or default_clips_dir()
    voice = settings.voice
    report: dict[str, Any] = {"model": "whisper-base", "compute_type": voice.compute_type, "threads": voice.threads,
                              "beam_size": voice.beam_size, "vad": voice.vad, "window_s": voice.window_s,
                              "cpus": os.cpu_count(), "load_avg_before": list(os.getloadavg()), "lengths": []}
    with tempfile.TemporaryDirectory(prefix="rag_coach_bench_voice_") as tmp:
        for seconds in lengths_s:
            clip = Path(tmp) / f"clip_{int(seconds)}s.wav"
            reference = build_clip(clips_dir, seconds, clip)
            results = []
            for n in range(1, runs + 1):
                r = _child(clip, settings)
                r["rtf"] = r["seconds"] / r["audio_s"]
                results.append(r)
                say(f"{seconds:.0f} s clip, run {n}/{runs}: RTF {r['rtf']:.3f}, peak RSS {r['peak_rss_mb']:.0f} MB")
            report["lengths"].append({
                "audio_s": results[0]["audio_s"],
                "rtf_median": statistics.median(r["rtf"] for r in results),
                "rtf_runs": [round(r["rtf"], 3) for r in results],
                "transcribe_s_median": statistics.median(r["seconds"] for r in results),
                "load_s_median": statistics.median(r["load_s"] for r in results),
                "peak_rss_mb_median": statistics.median(r["peak_rss_mb"] for r in results),
                "wer": word_error_rate(reference, results[0]["text"]),
            })
    report["load_avg_after"] = list(os.getloadavg())
    return report


def format_report(report: dict[str, Any]) -> str:
    head = (f"whisper-base {report['compute_type']}, {report['threads']} threads, beam {report['beam_size']}, "
            f"VAD {'on' if report['vad'] else 'off'}, windows of {report['window_s']:.0f} s; {report['cpus']} CPUs, "
            f"load average before {report['load_avg_before'][0]:.2f}, after {report['load_avg_after'][0]:.2f}")
    lines = [head, "", "| audio | RTF (median) | runs | transcribe | model load | peak RSS | WER |",
             "|---|---|---|---|---|---|---|"]
    for row in report["lengths"]:
        lines.append(f"| {row['audio_s']:.0f} s | {row['rtf_median']:.3f} | {', '.join(f'{x:.3f}' for x in row['rtf_runs'])} "
                     f"| {row['transcribe_s_median']:.1f} s | {row['load_s_median']:.2f} s | "
                     f"{row['peak_rss_mb_median']:.0f} MB | {row['wer']:.1%} |")
    return "\n".join(lines)


__all__ = ["build_clip", "format_report", "normalise", "run_bench", "word_error_rate"]

"""`rag-coach` command line. Each command builds one Settings object from flags, env and config.

The commands live in one module per group (``corpus``, ``coach``, ``interview``, ``evaluation``,
``tuning``); shared flags, settings and output helpers in ``common``. Everything a caller used from the
former single module (``main``, ``build_parser``, the ``EXIT_*`` codes, the helpers and ``cmd_*``
functions) is re-exported here.
"""

from __future__ import annotations

import argparse
import logging
import sys

from rag_coach.cli import coach, corpus, evaluation, interview, tuning, voice
from rag_coach.cli.coach import cmd_ask, cmd_models_adapter_create, cmd_models_pull
from rag_coach.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_SKIPPED,
    _common,
    _confirm,
    _emit,
    _llm_flags,
    _llm_overrides,
    _settings,
    log,
)
from rag_coach.cli.corpus import _filters, cmd_ingest, cmd_retrieve, cmd_stats, cmd_validate
from rag_coach.cli.evaluation import (
    cmd_bench_chat,
    cmd_bench_load,
    cmd_bench_retrieval,
    cmd_eval_answers,
    cmd_eval_feedback,
    cmd_eval_report,
    cmd_eval_retrieval,
)
from rag_coach.cli.interview import cmd_grade, cmd_questions_generate
from rag_coach.cli.tuning import cmd_tune_dataset, cmd_tune_export, cmd_tune_train


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag-coach", description="Company-specific interview prep, offline.")
    sub = parser.add_subparsers(dest="command", required=True)
    corpus.add_parsers(sub)  # validate, ingest, retrieve, stats
    coach.add_parsers(sub)  # ask, models
    interview.add_grade_parser(sub)  # grade
    evaluation.add_eval_parsers(sub)  # eval
    evaluation.add_bench_parsers(sub)  # bench
    interview.add_questions_parser(sub)  # questions
    tuning.add_parsers(sub)  # tune
    voice.add_parsers(sub)  # transcribe
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.json_lines = False
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for noisy in ("chromadb", "httpx", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from rag_coach.errors import UserFacingError, friendly

    try:
        return args.func(args)
    except UserFacingError as exc:
        print(f"error: {friendly(exc)}", file=sys.stderr)
        return EXIT_ERROR


__all__ = [
    "EXIT_ERROR", "EXIT_OK", "EXIT_REFUSED", "EXIT_SKIPPED", "_common", "_confirm", "_emit", "_filters", "_llm_flags",
    "_llm_overrides", "_settings", "build_parser", "cmd_ask", "cmd_bench_chat", "cmd_bench_load", "cmd_bench_retrieval",
    "cmd_eval_answers", "cmd_eval_feedback", "cmd_eval_report", "cmd_eval_retrieval", "cmd_grade", "cmd_ingest",
    "cmd_models_adapter_create", "cmd_models_pull", "cmd_questions_generate", "cmd_retrieve", "cmd_stats",
    "cmd_tune_dataset", "cmd_tune_export", "cmd_tune_train", "cmd_validate", "log", "main",
]

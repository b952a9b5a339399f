"""Shared pieces of the `rag-coach` commands: exit codes, common flags, settings, output."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from rag_coach.settings import BACKENDS, Settings, load_settings

log = logging.getLogger("rag_coach")

EXIT_OK, EXIT_ERROR, EXIT_SKIPPED = 0, 1, 3
EXIT_REFUSED = 4  # `grade`: the answer was screened out (empty, nonsense, off-topic)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, help="corpus folder (env RAG_COACH_CORPUS_DIR)")
    parser.add_argument("--index", type=Path, help="index folder (env RAG_COACH_INDEX_DIR)")
    parser.add_argument("--data", type=Path, help="user data folder (env RAG_COACH_DATA_DIR)")
    parser.add_argument("--config", type=Path, help="YAML config file (env RAG_COACH_CONFIG)")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.add_argument("-v", "--verbose", action="store_true")


def _llm_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=BACKENDS, help="model backend (setting llm.backend)")
    parser.add_argument("--model", type=Path, help="embedded: path to a GGUF model (setting llm.model_path)")
    parser.add_argument("--ollama-model", help="ollama: model name (setting llm.ollama_model)")
    parser.add_argument("--adapter", type=Path, help="GGUF LoRA adapter for the slot (setting llm.adapter)")


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config, corpus_dir=args.corpus, index_dir=args.index, data_dir=args.data)


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=None if args.json_lines else 2, ensure_ascii=False) if args.json else text)


def _llm_overrides(args: argparse.Namespace, settings: Settings) -> Settings:
    update: dict[str, Any] = {}
    for flag, field in (("backend", "backend"), ("model", "model_path"), ("adapter", "adapter"), ("ollama_model", "ollama_model")):
        value = getattr(args, flag, None)
        if value is not None:
            update[field] = value
    return settings.model_copy(update={"llm": settings.llm.model_copy(update=update)}) if update else settings


def _confirm(prompt: str) -> bool:
    print(prompt, end=" ", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_REFUSED", "EXIT_SKIPPED", "_common", "_confirm", "_emit", "_llm_flags",
           "_llm_overrides", "_settings", "log"]

"""Gradio entry point: `python app.py [--host 127.0.0.1] [--port 7860]`. Wires settings to the UI, nothing else."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="rag_coach web app (local)")
    parser.add_argument("--host", help="bind address (default 127.0.0.1; others need RAG_COACH_APP__AUTH)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--backend", choices=["embedded", "ollama"])
    parser.add_argument("--adapter", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from rag_coach.settings import load_settings
    from rag_coach.ui.app import UnsafeBindError, launch

    settings = load_settings(args.config, corpus_dir=args.corpus, index_dir=args.index, data_dir=args.data)
    app = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    llm = {k: v for k, v in {"backend": args.backend, "adapter": args.adapter}.items() if v is not None}
    settings = settings.model_copy(update={"app": settings.app.model_copy(update=app), "llm": settings.llm.model_copy(update=llm)})
    try:
        launch(settings)
    except UnsafeBindError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

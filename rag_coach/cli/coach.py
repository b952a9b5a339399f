"""`rag-coach ask` and `models *`: the coach and its model files."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from rag_coach.cli.common import EXIT_OK, _common, _emit, _llm_flags, _llm_overrides, _settings
from rag_coach.llm.base import LLMError
from rag_coach.settings import EXTRA_BUFFERS


def cmd_ask(args: argparse.Namespace) -> int:
    from rag_coach.coach.chat import ChatSession
    from rag_coach.services import Services

    settings = _llm_overrides(args, _settings(args))
    services = Services(settings)
    services.backend.check()
    session = ChatSession(company=args.company or "general", round=args.round or "all")
    result = None
    for event in services.coach.turn(session, args.question):
        if event.kind == "sources" and not args.json:
            for n, hit in enumerate(event.sources or [], start=1):
                print(f"[{n}] {hit.chunk.title} > {hit.chunk.section} ({hit.chunk.company}, {hit.chunk.source})", file=sys.stderr)
        elif event.kind == "token" and not args.json:
            print(event.text, end="", flush=True)
        elif event.kind == "done":
            result = event.result
    assert result is not None
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print()
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK


def cmd_models_pull(args: argparse.Namespace) -> int:
    from rag_coach.llm.models import DEFAULT_MODEL, pull

    path = pull(_settings(args), args.name or DEFAULT_MODEL, progress=lambda m: print(m, file=sys.stderr, flush=True), force=args.force)
    print(path)
    return EXIT_OK


def cmd_models_check(args: argparse.Namespace) -> int:
    """Load the embedded model, prefill and decode in child processes (the CI smoke step); record the choice."""
    from rag_coach.llm.llamacpp import has_amx_kernels
    from rag_coach.llm.models import embedded_model_path
    from rag_coach.llm.probe import ProbeCache, decide, failure_message

    settings = _llm_overrides(args, _settings(args))
    path = embedded_model_path(settings)
    if not path.is_file():
        raise LLMError(f"model file {path} not found: run `rag-coach models pull` (or point llm.model_path at a local GGUF)")
    mode = args.extra_buffers or settings.llm.extra_buffers
    decision = decide(path, mode, cache=ProbeCache(Path(settings.data_dir) / "probes.json"), threads=settings.llm.threads,
                      use_cached=False)
    results = decision if isinstance(decision, list) else decision.results
    passed = [r for r in results if r.ok]
    data = {"model": str(path), "mode": mode, "ok": bool(passed),
            "extra_buffers": None if isinstance(decision, list) else decision.extra_buffers,
            "amx_kernels": has_amx_kernels(passed[0].system_info) if passed else None,
            "probes": [asdict(r) for r in results]}
    if isinstance(decision, list):
        if args.json:
            _emit(args, data, "")
        raise LLMError(failure_message(path, decision))
    lines = [f"ok: llama.cpp runs {path.name} on this machine (AMX kernels {'compiled in' if data['amx_kernels'] else 'not compiled'})"]
    for r in results:
        speed = f"prefill {r.prefill_tok_s:.0f} tok/s, generation {r.gen_tok_s:.1f} tok/s" if r.ok else "not usable"
        lines.append(f"  extra buffers {'on ' if r.extra_buffers else 'off'}: {r.detail}; {speed}")
    lines.append(f"using extra buffers {'on' if decision.extra_buffers else 'off'}")
    _emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_models_adapter_create(args: argparse.Namespace) -> int:
    from rag_coach.llm.ollama_backend import OllamaBackend

    settings = _llm_overrides(args, _settings(args))
    backend = OllamaBackend(settings)
    name, modelfile = backend.create_adapter_model(settings.llm.ollama_model, Path(args.adapter), name=args.name)
    if args.modelfile:
        Path(args.modelfile).write_text(modelfile, encoding="utf-8")
    _emit(args, {"model": name, "modelfile": modelfile}, f"created Ollama model {name}\n{modelfile}")
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """ask, models pull, models check, models adapter-create."""
    p = sub.add_parser("ask", help="one grounded coaching answer with sources")
    _common(p)
    _llm_flags(p)
    p.add_argument("question")
    p.add_argument("--company", help="company slug (default: general)")
    p.add_argument("--round", help="round slug (default: all)")
    p.set_defaults(func=cmd_ask)

    models = sub.add_parser("models", help="model files and adapters").add_subparsers(dest="what", required=True)
    p = models.add_parser("pull", help="assemble and verify the embedded model in the data folder")
    _common(p)
    p.add_argument("name", nargs="?", help="qwen2.5-coder-1.5b-instruct (default), gemma3-270m or whisper-base (voice practice)")
    p.add_argument("--force", action="store_true", help="re-assemble even if present")
    p.set_defaults(func=cmd_models_pull)
    p = models.add_parser("check", help="load the embedded model and decode a few tokens in a child process")
    _common(p)
    _llm_flags(p)
    p.add_argument("--extra-buffers", choices=EXTRA_BUFFERS, help="setting llm.extra_buffers")
    p.set_defaults(func=cmd_models_check)
    p = models.add_parser("adapter-create", help="create an Ollama model = base + GGUF LoRA adapter")
    _common(p)
    _llm_flags(p)
    p.add_argument("--name", help="name of the tuned model (default: derived from base and adapter hash)")
    p.add_argument("--modelfile", help="also write the Modelfile here")
    p.set_defaults(func=cmd_models_adapter_create)


__all__ = ["add_parsers", "cmd_ask", "cmd_models_adapter_create", "cmd_models_check", "cmd_models_pull"]

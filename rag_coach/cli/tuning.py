"""`rag-coach tune *`: LoRA behaviour tuning (dataset, train, export, eval-checks)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rag_coach.cli.common import EXIT_OK, _common, _emit, _settings, log


def cmd_tune_dataset(args: argparse.Namespace) -> int:
    from rag_coach.interview.questions import QuestionBank
    from rag_coach.tuning.dataset import build_dataset, format_statistics, statistics_of, write_jsonl

    settings = _settings(args)
    examples = build_dataset(QuestionBank.load(settings), settings, args.val_fraction, args.seed)
    path = write_jsonl(examples, Path(args.out))
    fmt = None
    try:
        from rag_coach.tuning.chat import ServingFormat, resolve_base

        fmt = ServingFormat(resolve_base(args.base, settings, download=False))
    except Exception as exc:  # noqa: BLE001 - token counts are optional; characters otherwise
        log.warning("no tokenizer (%s); lengths in characters", exc)
    stats = statistics_of(examples, fmt)
    _emit(args, {"out": str(path), **stats}, f"{format_statistics(stats)}\nwritten: {path}")
    return EXIT_OK


def cmd_tune_train(args: argparse.Namespace) -> int:
    from rag_coach.tuning.chat import resolve_base
    from rag_coach.tuning.train import TrainConfig, train

    config = TrainConfig(rank=args.rank, alpha=args.alpha, target_modules=tuple(args.target_modules.split(",")), steps=args.steps,
                         lr=args.lr, max_length=args.max_length, batch_size=args.batch_size,
                         tasks=tuple(t for t in (args.tasks or "").split(",") if t), limit=args.limit,
                         eval_examples=args.eval_examples, seed=args.seed, precision=args.precision,
                         gradient_checkpointing=args.gradient_checkpointing, checkpoint_every=args.checkpoint_every,
                         resume=args.resume, max_minutes=args.max_minutes)
    report = train(resolve_base(args.base, _settings(args)), Path(args.dataset), Path(args.out), config)
    resumed = f", resumed from step {report.resumed_from}" if report.resumed_from else ""
    text = (f"{report.examples} examples ({report.skipped_too_long} too long), {report.steps_done}/{config.steps} steps{resumed}; median "
            f"{report.seconds_per_step} s/step, {report.tokens_per_second} tokens/s on {report.device} in {report.precision} "
            f"({report.precision_reason}); load {report.load_seconds} s, peak RSS {report.peak_rss_mb} MB; loss {report.log[0]['loss']} -> {report.log[-1]['loss']}; "
            f"validation loss {report.val_loss_before} -> {report.val_loss_after}\nadapter: {report.out}")
    _emit(args, {k: v for k, v in vars(report).items() if k != "log"}, text)
    return EXIT_OK


def cmd_tune_export(args: argparse.Namespace) -> int:
    from rag_coach.tuning.chat import resolve_base
    from rag_coach.tuning.export import export

    base = resolve_base(args.base, _settings(args))
    path = export(Path(args.adapter), base, Path(args.out))
    data: dict[str, Any] = {"out": str(path)}
    if args.verify_layout:
        from rag_coach.tuning.export import compare_layout
        from rag_coach.tuning.train import load_base_model

        data["layout"] = compare_layout(base, load_base_model(base))
        log.info("max |GGUF - transformers| / mean |w| per tensor, stored order vs llama-permuted: %s", data["layout"])
    _emit(args, data, f"GGUF LoRA written and checked against the base: {path}")
    return EXIT_OK


def cmd_tune_eval_checks(args: argparse.Namespace) -> int:
    from rag_coach.tuning.chat import resolve_base
    from rag_coach.tuning.check_eval import evaluate_checks, format_report

    report = evaluate_checks(resolve_base(args.base, _settings(args)), Path(args.dataset), Path(args.adapter) if args.adapter else None,
                             limit=args.limit, threads=args.threads)
    if args.out:
        import json

        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2), encoding="utf-8")
    _emit(args, report, format_report(report))
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """tune dataset, tune train, tune export, tune eval-checks."""
    tune = sub.add_parser("tune", help="LoRA behaviour tuning: dataset, train, export").add_subparsers(dest="what", required=True)
    p = tune.add_parser("dataset", help="build the chat-format tuning dataset (yes/no checks, follow-ups, hints)")
    _common(p)
    p.add_argument("--out", default="artifacts/tuning/dataset.jsonl", help="JSONL file to write")
    p.add_argument("--val-fraction", type=float, default=0.2, help="share of question ids held out for validation")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--base", default="gemma3-270m", help="model whose tokenizer counts tokens in the statistics")
    p.set_defaults(func=cmd_tune_dataset)
    p = tune.add_parser("train", help="train a LoRA adapter (PEFT) on a GGUF base model")
    _common(p)
    p.add_argument("--base", required=True, help="gemma3-270m, qwen2.5-coder-1.5b-instruct or PATH.gguf")
    p.add_argument("--dataset", required=True, help="JSONL from `rag-coach tune dataset`")
    p.add_argument("--out", required=True, help="folder for the PEFT adapter, training log and loss curve")
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--alpha", type=float, default=16.0)
    p.add_argument("--target-modules", default="q_proj,v_proj")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--max-length", type=int, default=512, help="tokens; check prompts need about 900")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--tasks", help="comma-separated subset of check,follow_up,hint (default: all)")
    p.add_argument("--limit", type=int, help="use at most N training examples")
    p.add_argument("--eval-examples", type=int, default=4, help="validation examples for the loss before/after")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                   help="auto: bf16 autocast where this CPU multiplies bf16 faster (flags + probe), else fp32")
    p.add_argument("--gradient-checkpointing", action="store_true", help="recompute activations in backward (less memory, slower)")
    p.add_argument("--checkpoint-every", type=int, default=10, help="steps between saves to OUT/checkpoint/")
    p.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                   help="continue from OUT/checkpoint/ when present (default); --no-resume starts over")
    p.add_argument("--max-minutes", type=float, help="stop (checkpointed, adapter saved) before a step would pass this training time")
    p.set_defaults(func=cmd_tune_train)
    p = tune.add_parser("export", help="convert a PEFT adapter to a GGUF LoRA for llama.cpp / Ollama")
    _common(p)
    p.add_argument("--adapter", required=True, help="PEFT adapter folder from `rag-coach tune train`")
    p.add_argument("--base", required=True, help="the base it was trained on: model key or PATH.gguf")
    p.add_argument("--out", required=True, help="GGUF file to write")
    p.add_argument("--verify-layout", action="store_true", help="also compare GGUF q/k/v rows with the transformers weights (slow)")
    p.set_defaults(func=cmd_tune_export)
    p = tune.add_parser("eval-checks", help="P(yes) accuracy/log loss on validation check rows via llama.cpp, with and without a GGUF LoRA")
    _common(p)
    p.add_argument("--base", required=True, help="model key or PATH.gguf")
    p.add_argument("--dataset", required=True, help="JSONL from `rag-coach tune dataset`")
    p.add_argument("--adapter", help="GGUF LoRA from `rag-coach tune export` (omit: base only)")
    p.add_argument("--limit", type=int, default=16, help="validation check rows, alternating yes/no")
    p.add_argument("--threads", type=int, help="llama.cpp threads (default: all cores)")
    p.add_argument("--out", help="also write the report (with P(yes) per row) to this JSON file")
    p.set_defaults(func=cmd_tune_eval_checks)


__all__ = ["add_parsers", "cmd_tune_dataset", "cmd_tune_eval_checks", "cmd_tune_export", "cmd_tune_train"]

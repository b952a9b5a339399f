"""P(yes) on held-out check rows through the served path (llama.cpp, GGUF base + optional GGUF LoRA).

The check rows of the tuning dataset are the exact yes/no prompts grading sends, with the labelled
answer as target. For each validation row the embedded backend's ``yes_probability`` (the one
grading reads) is taken with and without the adapter; the report gives accuracy at 0.5, mean log
loss of the labelled answer and the AUC (yes rows ranked above no rows), per variant. Rows are
taken alternately from the yes and the no rows so a small ``limit`` stays balanced.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any

from rag_coach.jsonl import read_jsonl

log = logging.getLogger(__name__)


def balanced_check_rows(dataset: Path, limit: int, split: str = "validation") -> list[dict[str, Any]]:
    """Up to ``limit`` check rows of ``split``, alternating yes and no targets (dataset order within each)."""
    rows = [r for r in read_jsonl(dataset) if r["task"] == "check" and r["split"] == split]
    yes = [r for r in rows if r["messages"][-1]["content"].strip().lower() == "yes"]
    no = [r for r in rows if r["messages"][-1]["content"].strip().lower() == "no"]
    picked: list[dict[str, Any]] = []
    for pair in zip(yes, no):
        picked.extend(pair)
    return picked[:limit]


def auc(scores: list[float], labels: list[bool]) -> float | None:
    """P(a random yes row scores above a random no row), ties count half; None without both classes."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return None
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def summarise(p_yes: list[float], labels: list[bool]) -> dict[str, Any]:
    """Accuracy at 0.5, mean log loss of the labelled answer, AUC."""
    clip = [min(max(p, 1e-6), 1 - 1e-6) for p in p_yes]
    losses = [-math.log(p if y else 1 - p) for p, y in zip(clip, labels)]
    return {"accuracy": round(sum((p > 0.5) == y for p, y in zip(p_yes, labels)) / len(labels), 3),
            "log_loss": round(sum(losses) / len(losses), 4), "auc": None if (a := auc(p_yes, labels)) is None else round(a, 3),
            "mean_p_yes": round(sum(p_yes) / len(p_yes), 3)}


def evaluate_checks(base: Path, dataset: Path, adapter: Path | None, limit: int = 16, threads: int | None = None,
                    context_tokens: int = 2048) -> dict[str, Any]:
    """P(yes) per row for the base and (with ``adapter``) base + adapter, and their summaries."""
    from rag_coach.llm.embedded import EmbeddedBackend

    rows = balanced_check_rows(dataset, limit)
    if not rows:
        raise ValueError(f"{dataset} has no validation check rows")
    labels = [r["messages"][-1]["content"].strip().lower() == "yes" for r in rows]
    variants: dict[str, Path | None] = {"base": None}
    if adapter is not None:
        variants["base+adapter"] = Path(adapter)
    report: dict[str, Any] = {"base": str(base), "adapter": str(adapter) if adapter else None, "rows": [r["id"] for r in rows],
                              "labels": labels, "variants": {}}
    for name, lora in variants.items():
        backend = EmbeddedBackend(base, adapter=lora, context_tokens=context_tokens, threads=threads)
        start = time.perf_counter()
        p_yes = [round(backend.yes_probability(r["messages"][:-1]), 4) for r in rows]
        seconds = time.perf_counter() - start
        report["variants"][name] = {**summarise(p_yes, labels), "p_yes": p_yes, "seconds_per_row": round(seconds / len(rows), 2)}
        log.info("%s: %s", name, {k: v for k, v in report["variants"][name].items() if k != "p_yes"})
        del backend
    return report


def format_report(report: dict[str, Any]) -> str:
    lines = [f"P(yes) on {len(report['rows'])} validation check rows ({sum(report['labels'])} yes) via llama.cpp",
             "| variant | accuracy | log loss | AUC | mean P(yes) | s/row |", "|---|---|---|---|---|---|"]
    for name, v in report["variants"].items():
        lines.append(f"| {name} | {v['accuracy']:.3f} | {v['log_loss']:.4f} | {v['auc']} | {v['mean_p_yes']:.3f} | {v['seconds_per_row']} |")
    return "\n".join(lines)

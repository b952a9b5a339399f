"""`rag-coach eval report`: every fixed set on every model variant in one run → one Markdown + JSON report.

Variants: ``embedded`` (the default GGUF), ``embedded+adapter=PATH`` (the LoRA slot), ``gguf:PATH``
(another local GGUF), ``ollama:MODEL``. The retriever and embedder are shared, so only the model differs.
"""

from __future__ import annotations

import json
import logging
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag_coach.evaluation.answers import evaluate_answers, load_set
from rag_coach.services import Services
from rag_coach.settings import Settings
from rag_coach.stats import percentiles

log = logging.getLogger(__name__)

QUICK = {"coaching": 8, "unanswerable": 4, "graded": 6}


@dataclass(frozen=True)
class Variant:
    name: str
    llm: dict[str, Any]


def parse_variant(spec: str) -> Variant:
    spec = spec.strip()
    if spec == "embedded":
        return Variant(spec, {"backend": "embedded"})
    if spec.startswith("embedded+adapter="):
        path, _, scale = spec.split("=", 1)[1].partition("@")
        return Variant(spec, {"backend": "embedded", "adapter": Path(path), "adapter_scale": float(scale or 1.0)})
    if spec.startswith("gguf:"):
        return Variant(spec, {"backend": "embedded", "model_path": Path(spec[5:])})
    if spec.startswith("ollama:"):
        return Variant(spec, {"backend": "ollama", "ollama_model": spec[7:]})
    raise ValueError(f"unknown variant '{spec}': use embedded, embedded+adapter=PATH[@scale], gguf:PATH or ollama:MODEL")


def _spread(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    step = max(1, len(rows) // n)
    return rows[::step][:n]


def run_variant(base: Settings, variant: Variant, shared: Services, sets: dict[str, list[dict[str, Any]]],
                price_per_cpu_hour: float) -> dict[str, Any]:
    from rag_coach.evaluation.feedback_eval import grade_rows, summarise

    settings = base.model_copy(update={"llm": base.llm.model_copy(update={**variant.llm, "temperature": 0.0})})
    services = Services(settings, embedder_override=shared.embedder, retriever_override=shared.retriever)  # one index
    services.backend.check()
    started = time.perf_counter()
    answers = evaluate_answers(services.coach, sets["coaching"], sets["unanswerable"])
    feedback = summarise(grade_rows(services, sets["graded"])) if sets["graded"] else {}
    turns = answers.pop("records")
    speeds = [t["completion"] / max(1e-3, (t["total_ms"] - t["first_token_ms"]) / 1000) for t in turns if t["completion"] > 1]
    cpu = [t["cpu_s"] for t in turns]
    cpu_per_1000 = 1000 * float(np.mean(cpu)) if cpu else None
    return {
        "variant": variant.name,
        "model": services.backend.info.model,
        "adapter": services.backend.info.adapter,
        "answers": answers,
        "feedback": {k: v for k, v in feedback.items() if k != "records"},
        "latency_ms": {"first_token": percentiles([t["first_token_ms"] for t in turns]),
                       "total": percentiles([t["total_ms"] for t in turns])},
        "tokens_per_s": round(float(np.median(speeds)), 1) if speeds else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cpu_s_per_1000_turns": round(cpu_per_1000, 0) if cpu_per_1000 else None,
        "cost_per_1000_turns": round(cpu_per_1000 / 3600 * price_per_cpu_hour, 3) if cpu_per_1000 else None,
        "price_per_cpu_hour": price_per_cpu_hour,
        "wall_s": round(time.perf_counter() - started, 1),
        "turns": turns,
    }


def build_report(settings: Settings, variants: list[str], quick: bool = False, price_per_cpu_hour: float = 0.04,
                 limit_graded: int | None = None) -> dict[str, Any]:
    from rag_coach.evaluation.feedback_eval import load_rows, select_rows

    graded = load_rows(("graded_answers.jsonl",)) if quick else load_rows()
    sets = {"coaching": load_set("coaching_questions.jsonl"), "unanswerable": load_set("unanswerable_questions.jsonl"),
            "graded": graded}
    if quick:
        sets = {"coaching": _spread(sets["coaching"], QUICK["coaching"]),
                "unanswerable": _spread(sets["unanswerable"], QUICK["unanswerable"]),
                "graded": select_rows(sets["graded"], QUICK["graded"])}
    elif limit_graded is not None:
        sets["graded"] = select_rows(sets["graded"], limit_graded)
    shared = Services(settings)
    started = time.perf_counter()
    results = [run_variant(settings, parse_variant(v), shared, sets, price_per_cpu_hour) for v in variants]
    return {"quick": quick, "sizes": {k: len(v) for k, v in sets.items()}, "variants": results,
            "wall_s": round(time.perf_counter() - started, 1), "date": time.strftime("%Y-%m-%d")}


ROWS = [
    ("citation validity, strict", lambda r: r["answers"].get("citation_validity_strict")),
    ("citation validity, lenient (earlier measure)", lambda r: r["answers"]["citation_validity"]),
    ("claims with a citation", lambda r: r["answers"].get("claims_with_citation")),
    ("answers with a citation", lambda r: r["answers"]["answers_with_citations"]),
    ("required-fact recall", lambda r: r["answers"]["required_fact_recall"]),
    ("forbidden-fact rate (lower is better)", lambda r: r["answers"]["forbidden_fact_rate"]),
    ("refusal rate on unanswerable", lambda r: r["answers"]["correct_refusal_rate"]),
    ("answered rate on answerable", lambda r: r["answers"].get("answered_rate_on_answerable")),
    ("feedback schema-valid", lambda r: r["feedback"].get("schema_valid_rate")),
    ("strengths claimed for unmet items", lambda r: r["feedback"].get("strengths_for_unmet_items")),
    ("good > bad (same question)", lambda r: r["feedback"]["good_over_bad"]["higher"]),
    ("good > bad by round", lambda r: ", ".join(f"{k} {v}" for k, v in r["feedback"]["good_over_bad_by_round"].items())),
    ("short good > long bad (counter-length pairs)",
     lambda r: r["feedback"]["counter_length_short_good_over_long_bad"]["higher"]),
    ("mistake top-1 / top-3 (report half)",
     lambda r: f"{r['feedback']['mistakes_report_half']['top1']} / {r['feedback']['mistakes_report_half']['top3']}"),
    ("off-topic answers refused", lambda r: r["feedback"].get("offtopic_refused")),
    ("genuine answers refused", lambda r: r["feedback"].get("genuine_refused")),
    ("dimension exact / within one", lambda r: f"{r['feedback'].get('dimension_exact')} / {r['feedback'].get('dimension_within_one')}"),
    ("Spearman overall vs reference", lambda r: r["feedback"].get("spearman_overall")),
    ("invalid answers refused", lambda r: r["feedback"].get("invalid_refused")),
    ("first token p50 / p95 (ms)", lambda r: f"{r['latency_ms']['first_token']['p50']} / {r['latency_ms']['first_token']['p95']}"),
    ("total p50 / p95 (ms)", lambda r: f"{r['latency_ms']['total']['p50']} / {r['latency_ms']['total']['p95']}"),
    ("tokens/s (median)", lambda r: r["tokens_per_s"]),
    ("peak memory (MB, process)", lambda r: r["peak_rss_mb"]),
    ("CPU-seconds per 1,000 turns", lambda r: r["cpu_s_per_1000_turns"]),
    ("cost per 1,000 turns (USD)", lambda r: f"{r['cost_per_1000_turns']} at {r['price_per_cpu_hour']}/CPU-hour"),
]


def to_markdown(report: dict[str, Any]) -> str:
    names = [r["variant"] for r in report["variants"]]
    sizes = report["sizes"]
    lines = [
        f"# rag_coach variant report ({report['date']}{', quick subset' if report['quick'] else ''})", "",
        f"Sets: {sizes['coaching']} coaching questions, {sizes['unanswerable']} unanswerable questions, "
        f"{sizes['graded']} graded answers. Wall time {report['wall_s']} s on this machine.", "",
        "| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, get in ROWS:
        values = []
        for r in report["variants"]:
            try:
                values.append(str(get(r)))
            except (KeyError, TypeError):
                values.append("—")
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    lines += ["", "Deterministic metrics only (no model judge). Definitions: `rag_coach/evaluation/answers.py` and "
              "`rag_coach/evaluation/feedback_eval.py`."]
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js = out_dir / "report.md", out_dir / "report.json"
    md.write_text(to_markdown(report), encoding="utf-8")
    js.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return md, js

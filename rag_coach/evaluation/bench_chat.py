"""`rag-coach bench chat`: how fast a candidate sees sources, the first answer text and the whole turn.

Each question opens a new session (a first turn); every fourth also gets a follow-up turn in the same
session, which reuses llama.cpp's cached prefix. The model is warmed with the system prompt first, as
the app does at start-up. With ``runs`` > 1 the whole list is asked again (fresh sessions) and every
figure is given per run and as the median of the runs' values. Turns are also split by what the turn
did: refused (the fixed form, no model call), extractive (evidence quoted, no model call) and
model-phrased (at least one sentence written by the model).
"""

from __future__ import annotations

import resource
import statistics
import time
from typing import Any

from rag_coach.coach.chat import ChatSession, TurnResult
from rag_coach.evaluation.answers import load_set
from rag_coach.services import Services
from rag_coach.settings import Settings
from rag_coach.stats import percentiles

FOLLOW_UP = "Can you give me one concrete example?"
PARTS = ("retrieval_ms", "first_token_ms", "total_ms")


def fixed_questions(n: int = 20) -> list[dict[str, Any]]:
    rows = load_set("coaching_questions.jsonl")
    step = max(1, len(rows) // n)
    return rows[::step][:n]


def kind_of(result: TurnResult) -> str:
    if result.refused:
        return "refused"
    return "model_phrased" if result.tokens.get("model_sentences", 0) else "extractive"


def one_run(services: Services, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    coach = services.coach
    rows = []
    for i, q in enumerate(questions):
        session = ChatSession(q["company"], q["round"])
        turns = [(1, coach.ask(session, q["question"]))]
        if i % 4 == 0:
            turns.append((2, coach.ask(session, FOLLOW_UP)))
        rows += [{"id": q["id"], "company": q["company"], "turn": n, "kind": kind_of(r), **r.timings, **r.tokens,
                  "citations": r.citations} for n, r in turns]
    return rows


def _median_of(per_run: list[dict[str, Any]], key: str, stat: str = "p50") -> float | None:
    values = [r[key][stat] for r in per_run if r[key].get(stat) is not None]
    return round(statistics.median(values), 1) if values else None


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    first = [r for r in rows if r["turn"] == 1]
    out: dict[str, Any] = {part: percentiles([r[part] for r in rows]) for part in PARTS}
    out["first_token_ms_first_turn"] = percentiles([r["first_token_ms"] for r in first])
    for kind in ("refused", "extractive", "model_phrased"):
        out[f"total_ms_{kind}"] = percentiles([r["total_ms"] for r in rows if r["kind"] == kind])
    out["turns_by_kind"] = {k: sum(r["kind"] == k for r in rows) for k in ("refused", "extractive", "model_phrased")}
    return out


def bench_chat(settings: Settings, n: int = 20, runs: int = 1, services: Services | None = None,
               questions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``services``/``questions``: built from ``settings`` and :func:`fixed_questions` unless given (tests)."""
    services = services or Services(settings)
    coach = services.coach
    started = time.perf_counter()
    services.retriever.retrieve("warm up")
    services.backend.warm_up(coach.warm_up_messages())
    startup_s = time.perf_counter() - started
    questions = questions or fixed_questions(n)
    all_rows: list[dict[str, Any]] = []
    per_run = []
    for run in range(runs):
        rows = [{**r, "run": run + 1} for r in one_run(services, questions)]
        all_rows += rows
        per_run.append(summary(rows))
    gen_rates = [r["completion"] / max(1e-3, (r["total_ms"] - r["first_token_ms"]) / 1000)
                 for r in all_rows if r["completion"] > 1]
    medians = {key: _median_of(per_run, key) for key in per_run[0] if key != "turns_by_kind"}
    report = {
        "backend": services.backend.info.backend, "model": services.backend.info.model,
        "adapter": services.backend.info.adapter, "questions": len(questions),
        "follow_ups": sum(r["turn"] == 2 for r in all_rows) // runs, "runs": runs, "startup_s": round(startup_s, 1),
        "median_of_runs_p50": medians, "per_run": per_run, "all_turns": summary(all_rows),
        "tokens_per_s_median": round(statistics.median(gen_rates), 1) if gen_rates else 0.0,
        "answers_with_citations": sum(bool(r["citations"]) for r in all_rows if r["turn"] == 1) // runs,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rows": all_rows,
    }
    report["text"] = format_chat_bench(report)
    return report


def format_chat_bench(r: dict[str, Any]) -> str:
    m, a = r["median_of_runs_p50"], r["all_turns"]
    runs = [p["total_ms"].get("p50") for p in r["per_run"]]

    def line(label: str, key: str) -> str:
        return f"{label:<36} p50 {m.get(key)}  (all turns p50 {a[key].get('p50')} p95 {a[key].get('p95')})"

    return "\n".join([
        f"backend {r['backend']} · model {r['model']} · adapter {r['adapter'] or 'none'}",
        f"{r['questions']} first turns + {r['follow_ups']} follow-ups, {r['runs']} run(s); start-up (index + model warm) "
        f"{r['startup_s']} s; turns by kind {a['turns_by_kind']}",
        "ms, median over runs of each run's p50:",
        line("sources visible (retrieval)", "retrieval_ms"),
        line("first answer text, first turn", "first_token_ms_first_turn"),
        line("first answer text, any turn", "first_token_ms"),
        line("whole turn", "total_ms"),
        line("whole turn, refused", "total_ms_refused"),
        line("whole turn, extractive", "total_ms_extractive"),
        line("whole turn, model-phrased", "total_ms_model_phrased"),
        f"whole-turn p50 per run                {runs}",
        f"generation speed (median)            {r['tokens_per_s_median']} tokens/s",
        f"first turns citing a passage         {r['answers_with_citations']}/{r['questions']}",
        f"peak memory (RSS)                    {r['peak_rss_mb']} MB",
    ])

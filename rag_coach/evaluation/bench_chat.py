"""`rag-coach bench chat`: first-token and total latency, tokens and tokens/s for 20 fixed questions.

Each question opens a new session (a first turn); every fourth also gets a follow-up turn in the same
session, which reuses llama.cpp's cached prefix. The model is warmed with the system prompt first, as
the app does at start-up.
"""

from __future__ import annotations

import resource
import statistics
import time
from typing import Any

from rag_coach.coach.chat import ChatSession
from rag_coach.evaluation.answers import load_set
from rag_coach.services import Services
from rag_coach.settings import Settings
from rag_coach.stats import percentiles

FOLLOW_UP = "Can you give me one concrete example?"


def fixed_questions(n: int = 20) -> list[dict[str, Any]]:
    rows = load_set("coaching_questions.jsonl")
    step = max(1, len(rows) // n)
    return rows[::step][:n]


def bench_chat(settings: Settings, n: int = 20) -> dict[str, Any]:
    services = Services(settings)
    coach = services.coach
    started = time.perf_counter()
    services.retriever.retrieve("warm up")
    services.backend.warm_up(coach.warm_up_messages())
    startup_s = time.perf_counter() - started
    first, follow, rows = [], [], []
    for i, q in enumerate(fixed_questions(n)):
        session = ChatSession(q["company"], q["round"])
        r = coach.ask(session, q["question"])
        first.append(r)
        rows.append({"id": q["id"], "company": q["company"], "turn": 1, **r.timings, **r.tokens, "citations": r.citations})
        if i % 4 == 0:
            f = coach.ask(session, FOLLOW_UP)
            follow.append(f)
            rows.append({"id": q["id"], "company": q["company"], "turn": 2, **f.timings, **f.tokens, "citations": f.citations})
    everything = first + follow
    gen_rates = [
        r.tokens["completion"] / max(1e-3, (r.timings["total_ms"] - r.timings["first_token_ms"]) / 1000)
        for r in everything if r.tokens["completion"] > 1
    ]
    report = {
        "backend": services.backend.info.backend,
        "model": services.backend.info.model,
        "adapter": services.backend.info.adapter,
        "questions": len(first),
        "follow_ups": len(follow),
        "startup_s": round(startup_s, 1),
        "retrieval_ms": percentiles([r.timings["retrieval_ms"] for r in everything]),
        "first_token_ms_first_turn": percentiles([r.timings["first_token_ms"] for r in first]),
        "first_token_ms_follow_up": percentiles([r.timings["first_token_ms"] for r in follow]),
        "total_ms": percentiles([r.timings["total_ms"] for r in everything]),
        "prompt_tokens": percentiles([r.tokens["prompt"] for r in everything]),
        "completion_tokens": percentiles([r.tokens["completion"] for r in everything]),
        "tokens_per_s_median": round(statistics.median(gen_rates), 1) if gen_rates else 0.0,
        "answers_with_citations": sum(bool(r.citations) for r in first),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rows": rows,
    }
    report["text"] = format_chat_bench(report)
    return report


def format_chat_bench(r: dict[str, Any]) -> str:
    return "\n".join([
        f"backend {r['backend']} · model {r['model']} · adapter {r['adapter'] or 'none'}",
        f"{r['questions']} first turns + {r['follow_ups']} follow-ups; start-up (index + model warm) {r['startup_s']} s",
        f"sources ready (retrieval) ms      p50 {r['retrieval_ms'].get('p50')}  p95 {r['retrieval_ms'].get('p95')}",
        f"first token, first turn ms        p50 {r['first_token_ms_first_turn'].get('p50')}  p95 {r['first_token_ms_first_turn'].get('p95')}",
        f"first token, follow-up ms         p50 {r['first_token_ms_follow_up'].get('p50')}  p95 {r['first_token_ms_follow_up'].get('p95')}",
        f"total per turn ms                 p50 {r['total_ms'].get('p50')}  p95 {r['total_ms'].get('p95')}",
        f"prompt tokens                     p50 {r['prompt_tokens'].get('p50')}  p95 {r['prompt_tokens'].get('p95')}",
        f"completion tokens                 p50 {r['completion_tokens'].get('p50')}  p95 {r['completion_tokens'].get('p95')}",
        f"generation speed (median)         {r['tokens_per_s_median']} tokens/s",
        f"first turns citing a passage      {r['answers_with_citations']}/{r['questions']}",
        f"peak memory (RSS)                 {r['peak_rss_mb']} MB",
    ])

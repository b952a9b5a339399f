"""`rag-coach bench load` plumbing: the load runner against the running app with the named FakeLLM, for a few seconds."""

from __future__ import annotations

import os

from rag_coach.coach.chat import ChatSession
from rag_coach.coach.compose import EXTRACTIVE_TYPES
from rag_coach.evaluation.bench_chat import fixed_questions
from rag_coach.evaluation.load import LoadOptions, run_load


def test_load_runner_plumbing_with_fake_llm(fake_app) -> None:
    url, services = fake_app
    report = run_load(services.settings, LoadOptions(users=4, seconds=3, chat=2, url=url, pid=os.getpid()))
    assert report["errors"] == 0, report["text"]
    assert report["retrieval"]["requests"] >= 4 and report["retrieval"]["per_s"] > 0
    assert report["retrieval"]["p50_ms"] <= report["retrieval"]["p95_ms"]
    assert report["chat_total"]["requests"] == 2 and report["chat_sources_shown"]["requests"] == 2
    assert report["chat_first_text"]["requests"] == 2 and report["retrieval_during_chat"]["requests"] >= 1
    memory = report["rss_mb"]
    assert memory["start"] > 0 and memory["end"] > 0 and memory["samples"] >= 4
    assert memory["retrieval_1_4"] > 0 and memory["retrieval_3_4"] > 0 and "growth_after_ramp_up" in memory
    assert report["ok"] is (report["memory_flat"] is not False)
    text = report["text"]
    assert "retrieval (/sources)" in text and "chat: whole turn" in text and "errors: 0" in text
    # the warm-up turn and the two chat turns reached the model once per model-phrased evidence item
    # (lookups and practice-question requests are extractive: no model call)
    questions = fixed_questions(20)[:3]
    expected = 0
    for q in questions:
        session = ChatSession(company=q["company"], round=q["round"])
        plan = services.coach.plan(session, q["question"], services.coach.retrieve(session, q["question"])[0])
        expected += 0 if plan.kind in EXTRACTIVE_TYPES else len(plan.evidence)
    assert expected >= 1, "the fixed questions should include one the model phrases"
    assert len(services.backend.inner.requests) == expected

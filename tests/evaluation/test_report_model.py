"""The quick variant report on the real embedded Qwen2.5-Coder-1.5B-Instruct GGUF (marked `model`; runs in CI).

This is the `rag-coach eval report --quick` subset: a few coaching, unanswerable and graded answers,
so every metric of the full report is computed by the same code on the real model.
"""

from __future__ import annotations

import json

import pytest

from rag_coach.evaluation.report import QUICK, build_report, write_report

pytestmark = pytest.mark.model


def test_quick_report_on_the_embedded_model(shipped_settings, qwen_gguf, tmp_path) -> None:
    settings = shipped_settings.model_copy(update={"llm": shipped_settings.llm.model_copy(update={"model_path": qwen_gguf})})
    report = build_report(settings, ["embedded"], quick=True)
    md, js = write_report(report, tmp_path / "report")
    assert report["sizes"]["coaching"] == QUICK["coaching"] and report["sizes"]["unanswerable"] == QUICK["unanswerable"]
    (variant,) = report["variants"]
    answers, feedback = variant["answers"], variant["feedback"]
    for key in ("citation_validity", "required_fact_recall", "forbidden_fact_rate", "correct_refusal_rate",
                "answered_rate_on_answerable", "claims_with_citation"):
        assert answers[key] is None or 0.0 <= answers[key] <= 1.0, key
    # by construction: every cited sentence holds only what its cited passage holds (the coach's own check)
    assert answers["citation_validity_strict"] in (None, 1.0), answers
    assert feedback["graded"] >= QUICK["graded"] - 1
    assert feedback["schema_valid_rate"] == 1.0, feedback  # the product bar: every grading yields valid feedback
    assert feedback["invalid_refused"] == "3/3"
    assert variant["latency_ms"]["first_token"]["p50"] > 0
    assert variant["cpu_s_per_1000_turns"] > 0 and variant["peak_rss_mb"] > 500  # the 1.1 GB model is loaded
    text = md.read_text(encoding="utf-8")
    assert "| metric | embedded |" in text and "feedback schema-valid" in text
    assert json.loads(js.read_text(encoding="utf-8"))["variants"][0]["variant"] == "embedded"

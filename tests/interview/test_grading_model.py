"""Two real gradings with the embedded Qwen2.5-Coder-1.5B-Instruct GGUF (marked `model`; ~1-2 min on 2 cores)."""

from __future__ import annotations

import jsonschema
import pytest

from rag_coach.interview.feedback import published_schema
from rag_coach.llm import models
from rag_coach.services import Services
from rag_coach.settings import load_settings

pytestmark = pytest.mark.model

QID = "q.amazon.coding.gift_card_pair"


def test_good_answer_scores_above_bad_answer(shipped_bank_settings, embedder, graded_rows) -> None:
    qwen = models.pull(load_settings())
    settings = shipped_bank_settings.model_copy(update={"llm": shipped_bank_settings.llm.model_copy(update={"model_path": qwen})})
    services = Services(settings, embedder_override=embedder)
    question = services.question_bank.get(QID)
    results = {}
    for quality in ("good", "bad"):
        row = next(r for r in graded_rows if r["question_id"] == QID and r["quality"] == quality)
        result = services.interviews.grade_answer(question, row["answer"], company="amazon")
        assert result.status == "ok", (result.reason, result.raw)
        jsonschema.validate(result.feedback, published_schema())
        assert result.prompt_tokens < 900 and not result.truncated
        results[quality] = result.feedback
    assert results["good"]["overall"] > results["bad"]["overall"], results

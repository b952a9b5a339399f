"""Two real gradings with the embedded Qwen2.5-Coder-1.5B-Instruct GGUF (marked `model`; ~1-2 min on 2 cores).

What must hold for every grading is checked here: valid JSON under the published schema, evidence that
is either empty or really quoted from the answer, no truncation, a prompt within budget. Whether the
1.5B model *orders* good above bad answers is a quality figure, measured over the whole graded set by
`rag-coach eval feedback` and reported in the README (it did not separate this pair when measured).
"""

from __future__ import annotations

import jsonschema
import pytest

from rag_coach.interview.feedback import evidence_found, published_schema
from rag_coach.llm import models
from rag_coach.services import Services
from rag_coach.settings import load_settings

pytestmark = pytest.mark.model

QID = "q.amazon.coding.gift_card_pair"


def test_real_gradings_are_valid_and_grounded_in_the_answer(shipped_bank_settings, embedder, graded_rows) -> None:
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
        for name, dim in result.feedback["dimensions"].items():
            assert not dim["evidence"] or evidence_found(dim["evidence"], row["answer"]), (name, dim)
        assert result.feedback["overall"] in (1, 2, 3, 4)
        results[quality] = result.feedback
    print({q: f["overall"] for q, f in results.items()})

"""The delivery of a spoken answer is stored with the graded attempt (no model: FakeLLM grader, fixed words)."""

from __future__ import annotations

from dataclasses import dataclass

from rag_coach.services import Services
from rag_coach.voice.delivery import analyse
from tests.fakes import FakeLLM
from tests.interview.helpers import scripted
from tests.ui.conftest import ANSWER


@dataclass(frozen=True)
class W:
    text: str
    start: float
    end: float


def test_delivery_is_stored_with_the_attempt(settings, embedder) -> None:
    fake = scripted(FakeLLM(), 3, "mistake.linked_list.empty_input")
    services = Services(settings, backend_override=fake, embedder_override=embedder)
    started = services.practice.start("alice", "amazon", "coding")
    words = [W(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate(ANSWER.split())]
    started.delivery = analyse(words, 20.0, "coding", settings.voice.expected_answer_s).to_dict()
    result = services.practice.finish("alice", started, ANSWER)
    assert result.status == "ok" and "delivery" not in result.feedback.model_dump()  # the rubric feedback itself is unchanged
    stored = services.progress.history("alice")[0]
    assert stored.delivery["words"] == len(words) and stored.delivery["length"] == "short"
    assert stored.feedback == result.feedback


def test_typed_answers_store_no_delivery(settings, embedder) -> None:
    fake = scripted(FakeLLM(), 3, "mistake.linked_list.empty_input")
    services = Services(settings, backend_override=fake, embedder_override=embedder)
    started = services.practice.start("bob", "amazon", "coding")
    assert services.practice.finish("bob", started, ANSWER).status == "ok"
    assert services.progress.history("bob")[0].delivery is None

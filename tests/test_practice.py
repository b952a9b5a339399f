"""The practice service: 'recommend for me' starts on a bank question and says why; finishing records progress."""

from __future__ import annotations

from rag_coach.services import Services
from tests.fakes import FakeLLM
from tests.interview.helpers import scripted
from tests.ui.conftest import ANSWER


def test_recommend_then_finish_records_progress(settings, embedder) -> None:
    fake = scripted(FakeLLM(), 2, "mistake.linked_list.empty_input")
    services = Services(settings, backend_override=fake, embedder_override=embedder)
    started = services.practice.start("alice", "amazon", "coding", topic="recommend")
    assert started.session.question.id in {q.id for q in services.question_bank.filter("amazon", "coding")}
    assert started.reason  # a readable sentence saying why this question
    result = services.practice.finish("alice", started, ANSWER)
    assert result.status == "ok"
    history = services.progress.history("alice")
    assert [a.question_id for a in history] == [started.session.question.id]
    assert services.progress.history("bob") == []

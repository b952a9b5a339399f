"""Grading prepared while the candidate answers (plumbing, with the named FakeLLM): the content-free checks
run ahead, grading after submit asks only the answer's own checks, and the feedback is the same."""

from __future__ import annotations

import random
import threading

from rag_coach.interview.grading import Grader
from rag_coach.interview.screening import Screener
from rag_coach.interview.session import InterviewService
from rag_coach.interview.warmup import Warmup
from tests.fakes import FakeLLM
from tests.interview.helpers import is_null_check, scripted


def _row(graded_rows, quality: str = "mediocre"):
    return next(r for r in graded_rows if r["question_id"] == "q.amazon.coding.gift_card_pair" and r["quality"] == quality)


def test_prepared_grading_asks_only_the_answers_checks_and_gives_the_same_feedback(bank, shipped_bank_settings, graded_rows) -> None:
    row = _row(graded_rows)
    question = bank.get(row["question_id"])
    cold_fake = scripted(FakeLLM(), 3, "mistake.hashing.duplicates_overwrite")
    cold = Grader(cold_fake, bank, shipped_bank_settings).grade(question, row["answer"])

    fake = scripted(FakeLLM(), 3, "mistake.hashing.duplicates_overwrite")
    grader = Grader(fake, bank, shipped_bank_settings)
    prepared = grader.prepare(question)
    assert prepared >= len(question.rubric) + 4 and len(fake.checks) == prepared
    assert all(is_null_check(m) for m in fake.checks)
    assert grader.prepare(question) == prepared and len(fake.checks) == prepared  # cached: no new model call
    fake.checks.clear()
    warm = grader.grade(question, row["answer"])
    assert fake.checks and not any(is_null_check(m) for m in fake.checks)
    assert len(fake.checks) == len(cold_fake.checks) - sum(is_null_check(m) for m in cold_fake.checks)
    assert warm.feedback == cold.feedback and warm.checks == cold.checks
    assert "mistake.hashing.duplicates_overwrite" in warm.feedback.mistake_ids()  # the scripted mistake is named


def test_prepare_stops_between_checks(bank, shipped_bank_settings) -> None:
    fake = FakeLLM()
    grader = Grader(fake, bank, shipped_bank_settings)
    question = bank.get("q.amazon.coding.gift_card_pair")
    assert grader.prepare(question, stop=lambda: len(fake.checks) >= 3) == 3 and len(fake.checks) == 3


class SlowFake(FakeLLM):
    """FakeLLM whose checks block until released: the background preparation is caught mid-way."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.started = threading.Event()

    def yes_probability(self, messages):
        self.started.set()
        self.release.wait(5)
        return super().yes_probability(messages)


def test_session_prepares_in_the_background_and_finish_stops_it(bank, shipped_bank_settings, embedder, graded_rows) -> None:
    row = _row(graded_rows, "good")
    fake = scripted(SlowFake(), 3)
    service = InterviewService(bank, Grader(fake, bank, shipped_bank_settings), Screener(embedder), rng=random.Random(1),
                               prepare_while_answering=True)
    session = service.start("amazon", "coding")
    session.question = bank.get(row["question_id"])
    service.warmup.start(session.id, session.question, (), session.company)  # re-aim at the graded question
    assert fake.started.wait(5)
    fake.release.set()
    result = service.finish(session, row["answer"])
    assert result.status == "ok" and result.feedback is not None
    assert service.warmup._running == {}  # stopped and joined at finish
    nulls = [m for m in fake.checks if is_null_check(m)]
    assert len({m[-1]["content"] for m in nulls}) == len(nulls)  # no content-free check asked twice


def test_warmup_survives_a_failing_model(bank, shipped_bank_settings) -> None:
    from rag_coach.llm.base import LLMError

    class Down(FakeLLM):
        def yes_probability(self, messages):
            raise LLMError("the model is not running")

    warmup = Warmup(Grader(Down(), bank, shipped_bank_settings))
    warmup.start("s1", bank.get("q.amazon.coding.gift_card_pair"))
    thread = warmup._running["s1"][0]
    thread.join(5)
    assert not thread.is_alive()
    warmup.stop("s1")

"""The interview flow: start -> hints -> follow-up -> answer -> finish, with a fake clock and FakeLLM."""

from __future__ import annotations

import random

import pytest

from rag_coach.interview.grading import Grader
from rag_coach.interview.screening import Screener
from rag_coach.interview.session import NO_MORE_HINTS, InterviewService, SessionError
from tests.fakes import FakeLLM
from tests.interview.helpers import scripted


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_session_flow(bank, shipped_bank_settings, embedder, graded_rows) -> None:
    row = next(r for r in graded_rows if r["question_id"] == "q.amazon.coding.gift_card_pair" and r["quality"] == "good")
    fake = scripted(FakeLLM(), 4)
    clock = Clock()
    service = InterviewService(bank, Grader(fake, bank, shipped_bank_settings), Screener(embedder), clock, random.Random(3))
    session = service.start("amazon", "coding", difficulty="easy", topic="hashing", time_limit_min=30)
    q = session.question
    assert q.company in ("amazon", "general") and (q.round, q.difficulty, q.topic) == ("coding", "easy", "hashing")
    session.question = bank.get(row["question_id"])  # grade the graded answer's own question
    assert service.remaining_s(session) == 1800
    assert service.hint(session) == session.question.hints[0]
    assert service.hint(session) == session.question.hints[1]
    assert service.hints_left(session) == 1
    with pytest.raises(SessionError):
        service.answer_follow_up(session, "too early")
    first = service.follow_up(session)
    assert first == session.question.follow_ups[0] and service.follow_up(session) == first  # pending until answered
    service.answer_follow_up(session, "With a sorted list I would move two pointers inwards.")
    clock.now += 600
    assert service.remaining_s(session) == 1200
    result = service.finish(session, row["answer"])
    assert result.status == "ok", result.reason
    fb = result.feedback.model_dump(mode="json")
    assert fb["hints_used"] == 2 and fb["time_used_s"] == 600.0
    assert fb["dimensions"]["approach"]["score"] == 2 and fb["overall"] == 4  # mean 3.67
    assert "Follow-up asked: " + first in fake.checks[-1][1]["content"] and fake.requests == []  # checks only
    assert session.finished and session.result is result
    clock.now += 60
    assert service.remaining_s(session) == 1200  # the clock stopped at finish


def test_hint_ladder_ends_and_follow_ups_run_out(bank, shipped_bank_settings, embedder) -> None:
    service = InterviewService(bank, Grader(FakeLLM(), bank, shipped_bank_settings), Screener(embedder), Clock())
    session = service.start("google", "behavioral")
    hints = [service.hint(session) for _ in range(4)]
    assert hints[:3] == session.question.hints and hints[3] == NO_MORE_HINTS and len(session.hints_used) == 3
    asked = []
    while (text := service.follow_up(session)) is not None:
        asked.append(text)
        service.answer_follow_up(session, "an answer")
    assert asked == session.question.follow_ups


def test_refused_answer_never_reaches_the_model(bank, shipped_bank_settings, embedder) -> None:
    fake = FakeLLM()
    service = InterviewService(bank, Grader(fake, bank, shipped_bank_settings), Screener(embedder), Clock())
    session = service.start("amazon", "behavioral")
    result = service.finish(session, "idk")
    assert result.status == "refused" and "too short" in result.reason and result.feedback is None
    assert fake.requests == [] and not session.finished

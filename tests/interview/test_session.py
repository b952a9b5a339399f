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


BUGGY = """I scan once with a hash map from price to index, so it is O(n) time and O(n) space.

```python
def gift_card_pair(prices, B):
    seen = {p: i for i, p in enumerate(prices)}
    for i, p in enumerate(prices):
        if B - p in seen:
            return [i, seen[B - p]]
    return []
```
"""


def test_check_code_runs_the_tests_now_and_finish_reuses_the_result(bank, shipped_bank_settings, embedder, monkeypatch) -> None:
    from rag_coach.interview import code_check

    fake = scripted(FakeLLM(), 3)
    service = InterviewService(bank, Grader(fake, bank, shipped_bank_settings), Screener(embedder), Clock())
    session = service.start("amazon", "coding", question=bank.get("q.amazon.coding.gift_card_pair"))
    run = service.check_code(session, BUGGY)
    assert run is not None and run.status == "failed" and fake.checks == []  # no model call for the code run
    assert "gift_card_pair([12], 24)" in run.summary() and "expected []" in run.summary()

    def must_not_run(*args, **kwargs):
        raise AssertionError("finish ran the code again")

    monkeypatch.setattr(code_check, "run_tests", must_not_run)
    result = service.finish(session, BUGGY)
    assert result.status == "ok"
    first = result.feedback.weaknesses[0]
    assert run.summary() in first.text and first.mistake_id == "mistake.hashing.check_before_insert_order"


def test_finish_runs_the_code_again_when_the_answer_changed(bank, shipped_bank_settings, embedder) -> None:
    service = InterviewService(bank, Grader(scripted(FakeLLM(), 3), bank, shipped_bank_settings), Screener(embedder), Clock())
    session = service.start("amazon", "coding", question=bank.get("q.amazon.coding.gift_card_pair"))
    assert service.check_code(session, BUGGY).status == "failed"
    fixed = BUGGY.replace("seen = {p: i for i, p in enumerate(prices)}\n    for i, p in enumerate(prices):\n        if B - p in seen:\n"
                          "            return [i, seen[B - p]]",
                          "seen = {}\n    for i, p in enumerate(prices):\n        if B - p in seen:\n            return [seen[B - p], i]\n"
                          "        seen[p] = i")
    assert fixed != BUGGY
    result = service.finish(session, fixed)
    assert result.status == "ok" and not any("gift_card_pair(" in w.text for w in result.feedback.weaknesses)


def test_check_code_is_none_where_grading_runs_no_code(bank, shipped_bank_settings, embedder) -> None:
    service = InterviewService(bank, Grader(FakeLLM(), bank, shipped_bank_settings), Screener(embedder), Clock())
    behavioral = service.start("amazon", "behavioral")
    assert service.check_code(behavioral, BUGGY) is None and behavioral.code_run is None

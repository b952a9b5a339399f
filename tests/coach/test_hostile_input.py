"""Hostile chat and interview input at the core: length limits with a notice, control characters removed."""

from __future__ import annotations

import random

import pytest

from rag_coach.coach.chat import ChatSession
from rag_coach.index.ingest import ingest
from rag_coach.interview.grading import Grader
from rag_coach.interview.screening import Screener
from rag_coach.interview.session import InterviewService
from rag_coach.services import Services
from rag_coach.settings import updated
from tests.fakes import FakeLLM
from tests.interview.helpers import scripted

ANSWER = ("I would reverse the linked list of shipments in place with three pointers prev, current and next. "
          "First I handle the empty list, then walk once, so it is O(n) time and O(1) extra space.")


@pytest.fixture()
def services(settings, embedder):
    ingest(settings, embedder=embedder)
    settings = updated(settings, coach={"min_relevance": 0.0, "max_message_chars": 300})
    s = Services(settings, backend_override=FakeLLM(echo=True), embedder_override=embedder)
    yield s
    s.retriever.close()


def test_long_message_is_cut_and_control_characters_removed(services) -> None:
    session = ChatSession("amazon", "behavioral")
    question = "Who can\x00 veto\x1b my hire?\u202e " + "please explain " * 100
    result = services.coach.ask(session, question)
    sent = session.history[-2]["content"].split("Question: ", 1)[1]
    assert sent.startswith("Who can veto my hire? please explain") and len(sent) <= 300
    assert not any(c in sent + str(services.backend.inner.requests) for c in "\x00\x1b\u202e")
    assert result.notices == ["Your message was 1,522 characters long; only the first 300 were used. "
                              "Shorten it or split it into several parts."]
    assert services.coach.ask(session, "And frugality?").notices == []
    assert services.coach.clean_question("x" * 301).truncated


def test_sources_only_call_checks_company_and_round(services) -> None:
    hits, grounded = services.coach.sources("Who can veto my hire?", "amazon", "behavioral")
    assert grounded and hits[0].chunk.section == "Bar Raiser"
    assert services.backend.inner.requests == []  # no model call
    with pytest.raises(ValueError, match="unknown company 'nope'"):
        services.coach.sources("x", "nope", "all")
    with pytest.raises(ValueError, match="unknown round"):
        services.coach.sources("x", "amazon", "<script>")


def test_interview_answer_code_and_follow_up_are_cut(settings, embedder) -> None:
    from rag_coach.interview.questions import QuestionBank

    bank = QuestionBank.load(settings)
    fake = scripted(FakeLLM(), 3)
    service = InterviewService(bank, Grader(fake, bank, settings), Screener(embedder), rng=random.Random(1),
                               max_input_chars=len(ANSWER))
    session = service.start("amazon", "coding")
    assert service.follow_up(session)
    notice = service.answer_follow_up(session, "Recursively\x07 I would. " + "y" * 400)
    assert notice is not None and "follow-up answer was" in notice
    assert session.follow_up_answers[-1].startswith("Recursively I would.") and len(session.follow_up_answers[-1]) <= len(ANSWER)
    result = service.finish(session, ANSWER + " And more words here that do not fit.", "x = 1\x00\n" * 200)
    assert result.status == "ok", result.reason
    assert session.answer == ANSWER and "\x00" not in session.code and len(session.code) == len(ANSWER)
    assert [n.split(" was ")[0] for n in session.input_notices] == ["Your answer", "Your code"]
    assert session.input_notices[0] in result.notes
    prompt = fake.checks[-1][-1]["content"]
    assert ANSWER[:40] in prompt and "do not fit" not in prompt

"""Fixtures for generation tests: the shipped bank (tests/conftest.py) with FakeLLM as the backend, and reply builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rag_coach.generation.generate import QuestionGenerator
from rag_coach.services import Services
from rag_coach.settings import Settings
from tests.fakes import FakeLLM

HINTS = ["Which values have you already seen?", "Could a map answer that in O(1)?",
         "Store each key with its first index and check it before inserting."]
NOVEL_A = ("A library logs loans as (member, book) pairs in time order. Return the first member who borrows "
           "the same book a second time, or none if nobody does.")
NOVEL_B = ("Given two shelves of book titles, list every title that appears on exactly one shelf, keeping the order "
           "in which titles first appear, in linear time.")


def reply(prompt: str = NOVEL_A, *, hints: list[str] | None = None, mistake_ids: list[str] | None = None,
          **extra: Any) -> str:
    data = {
        "prompt": prompt,
        "rubric": ["Uses a hash set or map keyed by the pair", "States O(n) time and space", "Handles an empty log"],
        "hints": HINTS if hints is None else hints,
        "follow_ups": ["What if the log does not fit in memory?", "Return all such members"],
        "mistake_ids": [] if mistake_ids is None else mistake_ids,
        **extra,
    }
    return json.dumps(data)


@pytest.fixture(scope="session")
def _shared_fake() -> FakeLLM:
    return FakeLLM([reply()])


@pytest.fixture()
def fake(_shared_fake: FakeLLM) -> FakeLLM:
    """One FakeLLM for the session (so the bank is embedded once), reset for every test."""
    _shared_fake.replies = [reply()]
    _shared_fake.requests.clear()
    return _shared_fake


@pytest.fixture(scope="session")
def generator(shipped_bank_settings: Settings, bank, _shared_fake: FakeLLM, embedder) -> QuestionGenerator:
    """Shared so each round's bank prompts are embedded once per test run (~30 s for coding on 2 busy cores); the
    session's shipped bank, and an empty index (no retrieval: the generator notes it and goes on)."""
    services = Services(shipped_bank_settings, backend_override=_shared_fake, embedder_override=embedder)
    return QuestionGenerator(bank, embedder, _shared_fake, shipped_bank_settings.generation, lambda: services.retriever)


def user_message(request: dict[str, Any]) -> str:
    return request["messages"][-1]["content"]



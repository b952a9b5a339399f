"""Fixtures for the interview tests: the shipped question bank, graded answers, scripted grader replies."""

from __future__ import annotations

from typing import Any

import pytest

from rag_coach.interview.evaluate import load_rows
from rag_coach.interview.questions import QuestionBank
from rag_coach.settings import Settings, load_settings
from tests.conftest import SHIPPED_CORPUS


@pytest.fixture(scope="session")
def shipped_bank_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("bank")
    return load_settings(corpus_dir=SHIPPED_CORPUS, index_dir=tmp / "index", data_dir=tmp / "data")


@pytest.fixture(scope="session")
def bank(shipped_bank_settings: Settings) -> QuestionBank:
    return QuestionBank.load(shipped_bank_settings)


@pytest.fixture(scope="session")
def graded_rows() -> list[dict[str, Any]]:
    return load_rows()

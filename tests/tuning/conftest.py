"""Fixtures for the tuning tests: the shipped question bank and the 270M base GGUF (pulled once, cached)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_coach.interview.questions import QuestionBank
from rag_coach.llm import models
from rag_coach.llm.models import GEMMA_270M
from rag_coach.settings import Settings, load_settings
from tests.conftest import SHIPPED_CORPUS


@pytest.fixture(scope="session")
def tuning_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("tuning")
    return load_settings(corpus_dir=SHIPPED_CORPUS, index_dir=tmp / "index", data_dir=tmp / "data")


@pytest.fixture(scope="session")
def tuning_bank(tuning_settings: Settings) -> QuestionBank:
    return QuestionBank.load(tuning_settings)


@pytest.fixture(scope="session")
def gemma() -> Path:
    """The 270M base model in the user's data folder (assembled once by `models pull`, then only verified)."""
    return models.pull(load_settings(), GEMMA_270M.key)

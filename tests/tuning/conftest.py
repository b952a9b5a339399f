"""Fixtures for the tuning tests: the 270M base GGUF (pulled once, cached); bank fixtures live in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_coach.llm import models
from rag_coach.llm.models import GEMMA_270M
from rag_coach.settings import load_settings


@pytest.fixture(scope="session")
def gemma() -> Path:
    """The 270M base model in the user's data folder (assembled once by `models pull`, then only verified)."""
    return models.pull(load_settings(), GEMMA_270M.key)

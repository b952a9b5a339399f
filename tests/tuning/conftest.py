"""Fixtures for the tuning tests: the 270M base GGUF (tests/conftest.py pulls it once); bank fixtures live there too."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def gemma(gemma_gguf: Path) -> Path:
    """The 270M base model in the user's data folder (assembled once by `models pull`, then only verified)."""
    return gemma_gguf

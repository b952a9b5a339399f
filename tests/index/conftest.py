"""Fixtures for the index tests."""

from __future__ import annotations

import pytest

from rag_coach.index.embedding import Embedder
from tests.index.helpers import MemoEmbedder


@pytest.fixture(scope="session")
def memo_embedder(embedder: Embedder) -> MemoEmbedder:
    """The real model, each distinct text embedded once per run (the fault tests ask the same texts many times)."""
    return MemoEmbedder(embedder)

"""Fixtures for the interview tests: graded answers (the bank fixtures live in tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from rag_coach.evaluation.feedback_eval import load_rows


@pytest.fixture(scope="session")
def graded_rows() -> list[dict[str, Any]]:
    return load_rows(("graded_answers.jsonl",))

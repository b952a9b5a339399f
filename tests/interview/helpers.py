"""Scripted grader replies for FakeLLM (plumbing tests only)."""

from __future__ import annotations

import json
from typing import Any

from rag_coach.interview.feedback import dimensions_for


def draft(round: str, answer: str = "", score: int = 3, mistake_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A model reply that passes the schema; evidence quotes the first words of ``answer``."""
    quote = " ".join(answer.split()[:5])
    return {
        "dimensions": {name: {"evidence": quote, "score": score} for name in dimensions_for(round)},
        "strengths": ["Clear structure"],
        "weaknesses": [{"text": "Missed an edge case", "mistake_id": mistake_id}],
        "next_steps": ["Practise edge cases"],
        **extra,
    }


def reply(round: str, answer: str = "", score: int = 3, mistake_id: str | None = None) -> str:
    return json.dumps(draft(round, answer, score, mistake_id))

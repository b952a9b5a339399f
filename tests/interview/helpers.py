"""Scripted grader replies for FakeLLM (plumbing tests only)."""

from __future__ import annotations

import json
from typing import Any

from rag_coach.interview import scoring


def yes_for_score(score: int) -> float:
    """The middle of the P(yes) range that, given to every check, yields ``score`` on every dimension."""
    hits = [p / 1000 for p in range(1001)
            if scoring.dimension_scores(["x"], [p / 1000], {"d": p / 1000})["d"] == score]
    return hits[len(hits) // 2]



def draft(mistake_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """The model's written feedback in the decoding schema."""
    return {
        "weaknesses": [{"text": "Missed an edge case", "mistake_id": mistake_id}],
        "strengths": ["Clear structure"],
        "next_steps": ["Practise edge cases"],
        **extra,
    }


def reply(mistake_id: str | None = None) -> str:
    return json.dumps(draft(mistake_id))


def scripted(fake: Any, score: int, mistake_id: str | None = None) -> Any:
    """Make ``fake`` grade every dimension ``score`` (through its P(yes)) and write feedback naming ``mistake_id``."""
    fake.yes = yes_for_score(score)
    fake.replies = [reply(mistake_id)]
    return fake

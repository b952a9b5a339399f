"""Scripted grader replies for FakeLLM (plumbing tests only)."""

from __future__ import annotations

import json
from typing import Any

# FakeLLM.yes (P(yes) of every rubric/dimension check) that yields this dimension score
YES_FOR_SCORE = {4: 0.9, 3: 0.77, 2: 0.65, 1: 0.5}


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
    fake.yes = YES_FOR_SCORE[score]
    fake.replies = [reply(mistake_id)]
    return fake

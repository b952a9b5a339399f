"""Scripted grader replies for FakeLLM (plumbing tests only)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rag_coach.interview import scoring
from rag_coach.interview.grading import NULL_ANSWER
from rag_coach.llm.base import Message


def is_null_check(messages: list[Message]) -> bool:
    """True for the grader's checks of the content-free baseline answer."""
    return f"[1] {NULL_ANSWER}\n</answer>" in messages[-1]["content"]


def answer_yes(p: float, null: float = scoring.PRIOR) -> Callable[[list[Message]], float]:
    """Scripted P(yes): ``p`` for checks of the candidate's answer, ``null`` for the content-free baseline."""
    return lambda messages: null if is_null_check(messages) else p


def yes_for_score(score: int) -> Callable[[list[Message]], float]:
    """Scripted P(yes) that yields ``score`` on every dimension: the middle of that score's range of P(yes)
    over a baseline at ``scoring.PRIOR``."""
    hits = [p / 1000 for p in range(1, 1000)
            if scoring.dimension_scores(["x"], [p / 1000], {"d": p / 1000})["d"] == score]
    return answer_yes(hits[len(hits) // 2])



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

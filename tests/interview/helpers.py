"""Scripted yes/no check answers (P(yes)) for FakeLLM (plumbing tests only)."""

from __future__ import annotations

import re
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



def scripted(fake: Any, score: int, mistake_id: str | None = None) -> Any:
    """Make ``fake`` grade every dimension ``score`` (through its P(yes)) and say yes only to the mistake check
    of ``mistake_id`` (a clear no to every other mistake check). The mistake's title is read from the
    prompt's "Mistakes (id: title)" list, so any corpus works."""
    rubric = yes_for_score(score)

    def yes(messages: list[Message]) -> float:
        text = messages[-1]["content"]
        if "\nMistake: " not in text:
            return rubric(messages)
        if is_null_check(messages):
            return scoring.PRIOR
        match = re.search(rf"^- {re.escape(mistake_id)}: (.+)$", text, re.M) if mistake_id else None
        title = match.group(1).strip().rstrip(".") if match else None
        return 0.99 if title and f"\nMistake: {title}." in text else 0.01

    fake.yes = yes
    return fake

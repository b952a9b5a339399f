"""Scores from the model's rubric checks: deterministic rules in code; the model never sets a score.

For one answer the grader asks the model, one check at a time (the question and the answer are a
shared prompt prefix, so each check costs only its own few tokens), "does the answer do this?" for
every rubric item of the question and every dimension of the round, and reads **P(yes)** from the
next-token distribution. A probability carries the model's judgment even where its greedy yes/no
(or a 1-4 score it writes) would be the same for every answer: with Qwen2.5-Coder-1.5B, JSON 1-4
scores were 3 for good and bad answers alike, while P(yes) ordered good > mediocre > bad.

Rules:

* **Credit** of a check = ``(P(yes) - LOW) / (HIGH - LOW)`` clipped to 0..1. LOW and HIGH were
  set on three pilot questions (9 answers) of the graded set and are reported with the results
  on the other questions.
* **Rubric item** shown as met (credit >= 2/3), partly (>= 1/3) or not shown.
* **Dimension score** = ``1 + 3 × mean credit`` of the dimension's own check and the rubric items
  that belong to it (:func:`rag_coach.interview.answer_text.dimension_of`), rounded half up.
* **Hint penalty**: each hint lowers the round's key dimension (:data:`KEY_DIMENSION`) by one,
  never below 1 — hints discount the credit for finding the solution.
* **Overall**: mean of the dimension scores, rounded up only from .6 (2.5 -> 2, 2.6 -> 3), capped
  at 2 if any dimension is 1 (a missing essential is not averaged away). On the hand-graded set
  this reproduces the reference overall from the reference dimensions for 102 of 108 answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rag_coach.interview.answer_text import dimension_of

KEY_DIMENSION: dict[str, str] = {
    "coding": "approach",
    "system_design": "high_level_design",
    "behavioral": "specificity_ownership",
    "product": "solution_quality",
    "ml_design": "modeling",
}
LOW, HIGH = 0.55, 0.85


def credit(p_yes: float) -> float:
    return min(1.0, max(0.0, (p_yes - LOW) / (HIGH - LOW)))


def met_label(value: float) -> str:
    return "yes" if value >= 2 / 3 else "partly" if value >= 1 / 3 else "no"


def round_half_up(value: float) -> int:
    return max(1, min(4, math.floor(value + 0.5)))


def dimension_scores(rubric: Sequence[str], rubric_p: Sequence[float], dimension_p: dict[str, float]) -> dict[str, int]:
    """Score per dimension (in ``dimension_p`` order) from its own check and the rubric items it owns."""
    dims = list(dimension_p)
    owned: dict[str, list[float]] = {d: [credit(p)] for d, p in dimension_p.items()}
    for item, p in zip(rubric, rubric_p):
        owned[dimension_of(item, dims)].append(credit(p))
    return {d: round_half_up(1 + 3 * sum(v) / len(v)) for d, v in owned.items()}


def apply_hint_penalty(feedback: dict[str, Any], round: str, hints_used: int) -> dict[str, Any]:
    """Copy of ``feedback`` with the round's key dimension lowered by one point per hint, not below 1."""
    import copy

    out = copy.deepcopy(feedback)
    key = KEY_DIMENSION[round]
    if hints_used > 0 and key in out.get("dimensions", {}):
        dim = out["dimensions"][key]
        dim["score"] = max(1, int(dim["score"]) - hints_used)
    return out


def compute_overall(scores: list[int]) -> int:
    """Mean rounded up only from .6, capped at 2 when any dimension is 1 (see module docstring)."""
    if not scores:
        raise ValueError("no dimension scores")
    mean = sum(scores) / len(scores)
    overall = math.floor(mean + 0.4 + 1e-9)
    if min(scores) <= 1:
        overall = min(overall, 2)
    return max(1, min(4, overall))

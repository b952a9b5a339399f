"""Scores from the model's rubric checks: deterministic rules in code; the model never sets a score.

For one answer the grader asks the model, one check at a time (the question and the answer are a
shared prompt prefix, so each check costs only its own few tokens), "does the answer do this?" for
every rubric item of the question and every dimension of the round, and reads **P(yes)** from the
next-token distribution. A probability carries the model's judgment even where its greedy yes/no
(or a 1-4 score it writes) would be the same for every answer: with Qwen2.5-Coder-1.5B, JSON 1-4
scores were 3 for good and bad answers alike, while P(yes) ordered good > mediocre > bad.

Rules:

* **Credit** of a check = ``(P(yes) - LOW) / (HIGH - LOW)`` clipped to 0..1; dimension checks
  (broader statements, whose P(yes) runs lower) use their own band ``DIM_LOW..DIM_HIGH``. The bands
  and ``DIM_WEIGHT`` were set on three pilot questions (9 answers) of the graded set; the README
  reports the results on the other questions separately.
* **Rubric item** shown as met (credit >= 2/3), partly (>= 1/3) or not shown.
* **Dimension score** = ``1 + 3 × credit``, rounded half up, where credit = ``DIM_WEIGHT`` × the
  dimension's own check + the rest × the mean of the rubric items that belong to it
  (:func:`rag_coach.interview.answer_text.dimension_of`; all items when none does).
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
LOW, HIGH = 0.7, 0.9  # rubric items: P(yes) band mapped to credit 0..1
DIM_LOW, DIM_HIGH = 0.5, 0.8  # dimension checks: their P(yes) runs lower (broader statements)
DIM_WEIGHT = 0.3  # share of a dimension's own check in its credit; the rest is its rubric items


def credit(p_yes: float, low: float | None = None, high: float | None = None) -> float:
    low = LOW if low is None else low
    high = HIGH if high is None else high
    return min(1.0, max(0.0, (p_yes - low) / (high - low)))


def met_label(value: float) -> str:
    return "yes" if value >= 2 / 3 else "partly" if value >= 1 / 3 else "no"


def round_half_up(value: float) -> int:
    return max(1, min(4, math.floor(value + 0.5)))


def dimension_scores(rubric: Sequence[str], rubric_p: Sequence[float], dimension_p: dict[str, float]) -> dict[str, int]:
    """Score per dimension (in ``dimension_p`` order): its own check and the rubric items it owns (all, if none)."""
    dims = list(dimension_p)
    item_credit = [credit(p) for p in rubric_p]
    owned: dict[str, list[float]] = {d: [] for d in dims}
    for item, c in zip(rubric, item_credit):
        owned[dimension_of(item, dims)].append(c)
    scores: dict[str, int] = {}
    for d, p in dimension_p.items():
        items = owned[d] or item_credit
        from_items = sum(items) / len(items) if items else credit(p, DIM_LOW, DIM_HIGH)
        value = DIM_WEIGHT * credit(p, DIM_LOW, DIM_HIGH) + (1 - DIM_WEIGHT) * from_items
        scores[d] = round_half_up(1 + 3 * value)
    return scores


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

"""Scores from the model's rubric checks: deterministic rules in code; the model never sets a score.

For one answer the grader asks the model, one check at a time (the question and the answer are a
shared prompt prefix, so each check costs only its own few tokens), "does the answer do this?" for
every rubric item of the question and every dimension of the round, and reads **P(yes)** from the
next-token distribution. A probability carries the model's judgment even where its greedy yes/no
(or a 1-4 score it writes) would be the same for every answer: with Qwen2.5-Coder-1.5B, JSON 1-4
scores were 3 for good and bad answers alike, while P(yes) ordered good > mediocre > bad.

The raw P(yes) leans on the wording of each check: for a content-free answer ("I am not sure.")
the same model says yes to the 163 rubric items of the graded set's questions with 0.21 to 0.60
(dimension checks 0.12 to 0.54), so one fixed band on P(yes) clipped different items differently
and hid real differences (a good and a bad answer both at credit 0 on an item whose yes-rate runs
low, then tied). So each check is also asked once with that
content-free answer, and the grader scores the **lift** — how far the candidate's answer moves the
model's yes, ``logit P(yes | answer) - logit P(yes | no real answer)`` ("contextual calibration",
Zhao et al., 2021, *Calibrate Before Use*). The content-free checks depend only on the question,
so they are cached per question.

Rules:

* **Credit** of a check = ``(lift - start) / width`` clipped to 0..1, with ``ITEM_BAND`` for rubric
  items and ``DIM_BAND`` for the round's dimension checks. The bands and ``DIM_WEIGHT`` were fit by
  grid search on 13 questions (39 answers) of the graded set — good > bad first, then dimension
  within-one agreement + Spearman — and checked on the other 23 questions (README, "Feedback").
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

from rag_coach.interview.answer_text import dimension_of

KEY_DIMENSION: dict[str, str] = {
    "coding": "approach",
    "system_design": "high_level_design",
    "behavioral": "specificity_ownership",
    "product": "solution_quality",
    "ml_design": "modeling",
}
PRIOR = 0.5  # baseline when no content-free P(yes) is given: lift = logit P(yes)
ITEM_BAND = (1.0, 2.0)  # rubric items: lift 1.0 -> credit 0, 3.0 -> credit 1 (fit, see the module docstring)
DIM_BAND = (0.5, 3.0)  # dimension checks (broader statements: their lift is smaller and noisier)
DIM_WEIGHT = 0.15  # share of a dimension's own check in its credit; the rest is its rubric items


def lift(p_yes: float, p_null: float = PRIOR) -> float:
    """How far the answer moves the model's yes: logit P(yes | answer) - logit P(yes | no real answer)."""
    clip = lambda p: min(1 - 1e-6, max(1e-6, p))  # noqa: E731
    return math.log(clip(p_yes) / (1 - clip(p_yes))) - math.log(clip(p_null) / (1 - clip(p_null)))


def credit(p_yes: float, p_null: float = PRIOR, band: tuple[float, float] | None = None) -> float:
    """Lift mapped through ``band`` = (start, width) to 0..1 (default: ``ITEM_BAND``)."""
    start, width = band or ITEM_BAND
    return min(1.0, max(0.0, (lift(p_yes, p_null) - start) / width))


def met_label(value: float) -> str:
    return "yes" if value >= 2 / 3 else "partly" if value >= 1 / 3 else "no"


def round_half_up(value: float) -> int:
    return max(1, min(4, math.floor(value + 0.5)))


def dimension_scores(rubric: Sequence[str], rubric_p: Sequence[float], dimension_p: dict[str, float],
                     rubric_null: Sequence[float] | None = None, dimension_null: dict[str, float] | None = None) -> dict[str, int]:
    """Score per dimension (in ``dimension_p`` order): its own check and the rubric items it owns (all, if none).

    ``rubric_null`` / ``dimension_null``: P(yes) of the same checks for a content-free answer (default ``PRIOR``).
    """
    dims = list(dimension_p)
    rubric_null = list(rubric_null) if rubric_null is not None else [PRIOR] * len(rubric_p)
    dimension_null = dimension_null or {}
    item_credit = [credit(p, p0) for p, p0 in zip(rubric_p, rubric_null)]
    owned: dict[str, list[float]] = {d: [] for d in dims}
    for item, c in zip(rubric, item_credit):
        owned[dimension_of(item, dims)].append(c)
    scores: dict[str, int] = {}
    for d, p in dimension_p.items():
        items = owned[d] or item_credit
        own = credit(p, dimension_null.get(d, PRIOR), DIM_BAND)
        from_items = sum(items) / len(items) if items else own
        value = DIM_WEIGHT * own + (1 - DIM_WEIGHT) * from_items
        scores[d] = round_half_up(1 + 3 * value)
    return scores


def penalise_hints(scores: dict[str, int], round: str, hints_used: int) -> dict[str, int]:
    """Copy of the dimension ``scores`` with the round's key dimension lowered by one point per hint, not below 1."""
    out = dict(scores)
    key = KEY_DIMENSION[round]
    if hints_used > 0 and key in out:
        out[key] = max(1, int(out[key]) - hints_used)
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

"""The feedback object: one typed model, the JSON Schema derived from it, and how it is built.

:class:`Feedback` is the one shape that crosses interview → practice → progress → ui → tuning; it
validates itself (types, limits, the round's exact dimensions), and :func:`published_schema` is
derived from it, so the schema, the validation and the code cannot drift apart. Every part is
decided in code: scores from the model's per-check P(yes) through the rules in
:mod:`rag_coach.interview.scoring`, the catalog mistakes by :mod:`rag_coach.interview.mistakes`, the
written strengths, weaknesses and next steps from those results and the catalog
(:mod:`rag_coach.interview.written`); evidence is a sentence of the candidate's own answer, picked in
code. The model writes no text of the feedback. Rendering (Markdown, charts) is the UI's
(:mod:`rag_coach.ui.feedback_view`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from rag_coach.interview.answer_text import dimension_of
from rag_coach.interview.dimensions import DIMENSIONS, Round, dimensions_for
from rag_coach.interview.mistakes import MistakeVerdict
from rag_coach.interview.scoring import KEY_DIMENSION, PRIOR, compute_overall, credit, dimension_scores, met_label, penalise_hints
from rag_coach.interview.signals import Finding, apply_ceilings

if TYPE_CHECKING:
    from rag_coach.documents.models import Question
    from rag_coach.interview.questions import QuestionBank

EVIDENCE_CHARS = 200  # limits of the published object
ITEM_CHARS = 300
MAX_LISTED = 5  # strengths, weaknesses, next steps

Score = Annotated[int, Field(ge=1, le=4, description="1 = missing or wrong, 2 = partial, 3 = solid with gaps, 4 = strong.")]
Evidence = Annotated[str, Field(max_length=EVIDENCE_CHARS, description=(
    "A sentence quoted verbatim from the candidate's answer; empty when nothing in the answer supports it."))]
Text = Annotated[str, StringConstraints(min_length=1, max_length=ITEM_CHARS)]
MistakeId = Annotated[str, StringConstraints(pattern=r"^mistake\.[a-z0-9_]+\.[a-z0-9_]+$")]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DimensionScore(_Part):
    evidence: Evidence
    score: Score


class RubricCheck(_Part):
    """One rubric item of the question, judged met / partly / not shown ("no")."""

    item: Annotated[str, StringConstraints(min_length=1)]
    met: Literal["yes", "partly", "no"]
    evidence: Evidence


class Weakness(_Part):
    text: Text
    mistake_id: MistakeId | None = Field(description="An id from corpus/mistakes/*.yaml, or null when no catalogued mistake fits.")


def _round_rules(schema: dict[str, Any]) -> None:
    """Adds to the derived schema what the model validator checks: each round's exact dimensions."""
    schema["allOf"] = [
        {"if": {"properties": {"round": {"const": r}}, "required": ["round"]},
         "then": {"properties": {"dimensions": {
             "required": list(dims), "additionalProperties": False, "x-key-dimension": KEY_DIMENSION[r],
             "properties": {name: {"description": text} for name, text in dims.items()}}}}}
        for r, dims in DIMENSIONS.items()]


class Feedback(_Part):
    """Structured rubric feedback on one mock-interview answer; every field is decided in code."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_round_rules)

    question_id: Annotated[str, StringConstraints(pattern=r"^q\.[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$")]
    round: Round
    overall: Score
    dimensions: dict[str, DimensionScore]
    rubric: list[RubricCheck] = Field(default_factory=list, max_length=12, description=(
        "The question's rubric items, each judged met / partly / not shown, with the candidate's own sentence that shows it."))
    strengths: list[Text] = Field(max_length=MAX_LISTED)
    weaknesses: list[Weakness] = Field(max_length=MAX_LISTED)
    next_steps: list[Text] = Field(max_length=MAX_LISTED)
    time_used_s: float | None = Field(ge=0)
    hints_used: int = Field(ge=0, le=3)

    @model_validator(mode="after")
    def _dimensions_of_the_round(self) -> Feedback:
        expected = list(DIMENSIONS[self.round])
        if sorted(self.dimensions) != sorted(expected):
            raise ValueError(f"dimensions of a {self.round} answer must be exactly {', '.join(expected)}; "
                             f"got {', '.join(self.dimensions) or 'none'}")
        return self

    def mistake_ids(self) -> list[str]:
        """The catalog mistakes named, in order, once each."""
        return list(dict.fromkeys(w.mistake_id for w in self.weaknesses if w.mistake_id))

    def scores(self) -> dict[str, int]:
        return {name: d.score for name, d in self.dimensions.items()}


@lru_cache(maxsize=1)
def published_schema() -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) of a feedback object, derived from :class:`Feedback`."""
    schema = Feedback.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://rag-coach.local/schemas/interview-feedback.json", **schema}


def feedback_errors(obj: Any) -> list[str]:
    """Why ``obj`` is not a valid feedback object ("field.path: message", at most 5); [] when it is."""
    try:
        Feedback.model_validate(obj)
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:5]]
    return []


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Checks:
    """The model's P(yes) per rubric item and per dimension, and the answer sentence that best shows each.

    ``rubric_null`` / ``dimension_null``: the same checks for a content-free answer (the baseline the
    scores are measured from; see :mod:`rag_coach.interview.scoring`); None means ``scoring.PRIOR``.
    """

    rubric_p: list[float]
    dimension_p: dict[str, float]
    rubric_evidence: list[str]
    dimension_evidence: dict[str, str]
    rubric_null: list[float] | None = None
    dimension_null: dict[str, float] | None = None
    mistakes: MistakeVerdict = field(default_factory=MistakeVerdict)  # the catalog mistakes checked, decided in code
    findings: list[Finding] = field(default_factory=list)  # what the deterministic checks saw (:mod:`signals`)

    def rubric_met(self) -> list[str]:
        """"yes" / "partly" / "no" per rubric item."""
        nulls = self.rubric_null or [PRIOR] * len(self.rubric_p)
        return [met_label(credit(p, p0)) for p, p0 in zip(self.rubric_p, nulls)]


def _capped_met(question: Question, checks: Checks) -> list[str]:
    """Met labels of the rubric items, none above what a finding allows its dimension (ceiling 1: "no",
    2: "partly"), so the table cannot praise what a deterministic check found wrong."""
    dims = list(dimensions_for(question.round))
    ceiling: dict[str, int] = {}
    for f in checks.findings:
        ceiling[f.dimension] = min(ceiling.get(f.dimension, 4), f.ceiling)
    order = {"no": 0, "partly": 1, "yes": 2}
    allowed = {1: "no", 2: "partly"}
    out = []
    for item, met in zip(question.rubric, checks.rubric_met()):
        cap = allowed.get(ceiling.get(dimension_of(item, dims), 4))
        out.append(cap if cap is not None and order[cap] < order[met] else met)
    return out


def finalize(question: Question, checks: Checks, *, hints_used: int = 0,
             time_used_s: float | None = None, bank: QuestionBank | None = None) -> Feedback:
    """Complete feedback: scores from the checks, evidence, hint penalty, overall, and the written part
    built from the rubric results and the matched catalog mistakes (:mod:`rag_coach.interview.written`)."""
    from rag_coach.interview import written

    raw = dimension_scores(question.rubric, checks.rubric_p, checks.dimension_p, checks.rubric_null, checks.dimension_null)
    scores = apply_ceilings(penalise_hints(raw, question.round, hints_used), checks.findings)
    capped = {f.dimension: f.evidence for f in checks.findings}  # a capped dimension quotes what capped it (or nothing)
    dimensions = {name: DimensionScore(score=score, evidence=_clip(capped[name] if name in capped else
                                                                   checks.dimension_evidence.get(name, "") if raw[name] > 1 else "",
                                                                   EVIDENCE_CHARS))
                  for name, score in scores.items()}
    rubric = [RubricCheck(item=item, met=met, evidence=_clip(evidence, EVIDENCE_CHARS) if met != "no" else "")
              for item, met, evidence in zip(question.rubric, _capped_met(question, checks), checks.rubric_evidence)]
    weak = [Weakness(text=_clip(text, ITEM_CHARS), mistake_id=mid)
            for text, mid in written.weaknesses(rubric, checks.mistakes.matched, bank, checks.findings)]
    return Feedback(
        question_id=question.id,
        round=question.round,
        overall=compute_overall(list(scores.values())),
        dimensions=dimensions,
        rubric=rubric,
        strengths=[_clip(t, ITEM_CHARS) for t in written.strengths(rubric, dimensions)],
        weaknesses=weak,
        next_steps=[_clip(t, ITEM_CHARS) for t in written.next_steps(question, rubric, weak, bank)],
        time_used_s=None if time_used_s is None else float(f"{float(time_used_s):.1f}"),
        hints_used=int(hints_used),
    )


if __name__ == "__main__":  # python -m rag_coach.interview.feedback > docs/feedback_schema.json
    import json

    print(json.dumps(published_schema(), indent=2, ensure_ascii=False))

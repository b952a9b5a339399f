"""The feedback object: its published schema, validation, the hint penalty, the overall score, Markdown.

Rules (deterministic; the model only proposes dimension scores, evidence and comments):

* Dimensions per round are defined in ``feedback_schema.json`` (``$defs/<round>_dimensions``), with
  one-line definitions that also go into the grading prompt. Product: goal_clarification,
  user_insight, solution_quality, prioritization, success_metrics. ML design: problem_framing,
  data_features, modeling, evaluation, serving_monitoring.
* Hint penalty: each hint used lowers the round's key dimension (:data:`KEY_DIMENSION`: coding
  ``approach``, system_design ``high_level_design``, behavioral ``specificity_ownership``, product
  ``solution_quality``, ml_design ``modeling``) by one point, never below 1. Hints are a nudge
  towards the solution, so they discount the credit for finding it; other dimensions are untouched.
* Overall: the mean of the (penalised) dimension scores, rounded so that a fraction of 0.6 or more
  rounds up (2.5 -> 2, 2.6 -> 3); then capped at 2 if any dimension scored 1, since a missing
  essential (no result, wrong code) is not averaged away. On the 108 hand-graded answers in
  ``evaluation/sets/graded_answers.jsonl`` this rule reproduces the reference overall for 102.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema

if TYPE_CHECKING:
    from rag_coach.interview.questions import QuestionBank

SCHEMA_FILE = "feedback_schema.json"
KEY_DIMENSION: dict[str, str] = {
    "coding": "approach",
    "system_design": "high_level_design",
    "behavioral": "specificity_ownership",
    "product": "solution_quality",
    "ml_design": "modeling",
}
# Limits of the published object. The decoding schema has no maxLength (llama.cpp expands it into
# deeply nested grammar rules that slowed sampling by about a third); finalize() cuts long strings.
EVIDENCE_CHARS = 200
ITEM_CHARS = 300
MAX_ITEMS = 3  # per list in the model's reply (the published object allows 5)


@lru_cache(maxsize=1)
def published_schema() -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) of a complete feedback object."""
    text = resources.files("rag_coach.interview").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def rounds() -> list[str]:
    return list(published_schema()["properties"]["round"]["enum"])


def dimensions_for(round: str) -> dict[str, str]:
    """Dimension name -> one-line definition, in rubric order."""
    defs = published_schema()["$defs"]
    key = f"{round}_dimensions"
    if key not in defs:
        raise ValueError(f"no feedback dimensions for round '{round}'; rounds: {', '.join(rounds())}")
    return {name: spec.get("description", "") for name, spec in defs[key]["properties"].items()}


def schema_for(round: str, mistake_ids: list[str] | None = None, *, full: bool = False) -> dict[str, Any]:
    """Self-contained schema for one round (no ``$ref``), used for constrained decoding.

    The model's part (``full=False``) is dimensions, strengths, weaknesses and next_steps; ids,
    overall, time and hints are filled in by code. ``mistake_ids`` restricts ``mistake_id`` to
    those ids or null. ``full=True`` gives the complete per-round feedback object.
    """
    max_items = 5 if full else MAX_ITEMS
    evidence_len: dict[str, Any] = {"maxLength": EVIDENCE_CHARS} if full else {}
    item_len: dict[str, Any] = {"maxLength": ITEM_CHARS} if full else {}
    dimension = {
        "type": "object",
        "additionalProperties": False,
        "required": ["evidence", "score"],
        "properties": {
            "evidence": {"type": "string", **evidence_len},
            "score": {"type": "integer", "enum": [1, 2, 3, 4]},
        },
    }
    names = list(dimensions_for(round))
    mistake: dict[str, Any] = {"enum": [*mistake_ids, None]} if mistake_ids else {"type": ["string", "null"]}
    text_list = {"type": "array", "items": {"type": "string", "minLength": 1, **item_len}, "maxItems": max_items}
    weaknesses = {
        "type": "array",
        "maxItems": max_items,
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["text", "mistake_id"],
            "properties": {"text": {"type": "string", "minLength": 1, **item_len}, "mistake_id": mistake},
        },
    }
    # weaknesses first: a small model that names the flaws before scoring scores more strictly
    props: dict[str, Any] = {
        "weaknesses": weaknesses,
        "dimensions": {
            "type": "object",
            "additionalProperties": False,
            "required": names,
            "properties": {n: copy.deepcopy(dimension) for n in names},
        },
        "strengths": {**text_list, "minItems": 0 if full else 1},
        "next_steps": {**text_list, "minItems": 0 if full else 1},
    }
    if full:
        base = published_schema()["properties"]
        props = {
            "question_id": base["question_id"],
            "round": {"const": round},
            "overall": {"type": "integer", "enum": [1, 2, 3, 4]},
            "dimensions": props["dimensions"],
            "strengths": props["strengths"],
            "weaknesses": props["weaknesses"],
            "next_steps": props["next_steps"],
            "time_used_s": base["time_used_s"],
            "hints_used": base["hints_used"],
        }
    return {"type": "object", "additionalProperties": False, "required": list(props), "properties": props}


@dataclass
class Validation:
    feedback: dict[str, Any] | None  # cleaned copy; None when the object is unusable
    errors: list[str] = field(default_factory=list)  # fatal: parse or schema errors
    notes: list[str] = field(default_factory=list)  # repairs made in code (nulled ids, dropped evidence)
    unknown_mistake_ids: list[str] = field(default_factory=list)
    evidence_missing: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and self.feedback is not None


def parse_json(text: str) -> tuple[Any, str | None]:
    """Parse model output (tolerating a Markdown fence); returns (object, error)."""
    body = text.strip()
    fence = re.match(r"^```(?:json)?\s*(.*?)\s*```$", body, re.S)
    if fence:
        body = fence.group(1)
    try:
        return json.loads(body, strict=False), None
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "...", "`": "'"})


def normalise(text: str) -> str:
    """Lower case, straight quotes, single spaces: the form evidence is matched in."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES).lower()).strip()


def evidence_found(evidence: str, answer: str) -> bool:
    """True if the quote occurs in the answer (whitespace/case-insensitive; '...' may join pieces)."""
    haystack = normalise(answer)
    pieces = [p.strip(" \"'.,;:!?-()") for p in normalise(evidence).split("...")]
    pieces = [p for p in pieces if p]
    if not pieces:
        return False
    pos = 0
    for piece in pieces:
        pos = haystack.find(piece, pos)
        if pos < 0:
            return False
        pos += len(piece)
    return True


def validate(obj: Any, round: str, bank: QuestionBank, answer: str = "") -> Validation:
    """Schema-check ``obj`` (the model's part, or a complete object if it has ``question_id``), then clean it.

    Unknown mistake ids are set to null and noted; evidence that does not occur in ``answer`` is
    replaced by "" and counted. Schema errors are fatal (``ok`` is False).
    """
    full = isinstance(obj, dict) and "question_id" in obj
    schema = schema_for(round, full=full)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path])
    if full:
        errors += list(jsonschema.Draft202012Validator(published_schema()).iter_errors(obj))
    if errors:
        msgs = [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors[:5]]
        return Validation(None, errors=list(dict.fromkeys(msgs)))
    result = Validation(copy.deepcopy(obj))
    fb = result.feedback
    assert fb is not None
    for weakness in fb["weaknesses"]:
        mid = weakness.get("mistake_id")
        if mid is not None and bank.mistake(mid) is None:
            result.unknown_mistake_ids.append(mid)
            result.notes.append(f"unknown mistake id '{mid}' set to null")
            weakness["mistake_id"] = None
    for name, dim in fb["dimensions"].items():
        quote = dim["evidence"].strip()
        if quote and not evidence_found(quote, answer):
            result.evidence_missing += 1
            result.notes.append(f"evidence for {name} is not in the answer; dropped")
            dim["evidence"] = ""
        else:
            dim["evidence"] = quote
    return result


def apply_hint_penalty(feedback: dict[str, Any], round: str, hints_used: int) -> dict[str, Any]:
    """Lower the round's key dimension by one point per hint, not below 1 (see module docstring)."""
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


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def finalize(draft: dict[str, Any], question_id: str, round: str, *, hints_used: int = 0, time_used_s: float | None = None) -> dict[str, Any]:
    """Complete feedback object from a validated model draft: hint penalty, overall, ids, time."""
    penalised = apply_hint_penalty(draft, round, hints_used)
    dims = penalised["dimensions"]
    for dim in dims.values():
        dim["evidence"] = dim["evidence"][:EVIDENCE_CHARS]  # a prefix of a quote is still a quote
    return {
        "question_id": question_id,
        "round": round,
        "overall": compute_overall([int(d["score"]) for d in dims.values()]),
        "dimensions": dims,
        "strengths": [_clip(t, ITEM_CHARS) for t in penalised["strengths"]],
        "weaknesses": [dict(w, text=_clip(w["text"], ITEM_CHARS)) for w in penalised["weaknesses"]],
        "next_steps": [_clip(t, ITEM_CHARS) for t in penalised["next_steps"]],
        "time_used_s": None if time_used_s is None else float(f"{float(time_used_s):.1f}"),
        "hints_used": int(hints_used),
    }


def render_markdown(feedback: dict[str, Any], bank: QuestionBank) -> str:
    """Scores table, strengths, weaknesses with catalog titles and ids, next steps."""
    question = bank.questions.get(feedback["question_id"])
    title = question.prompt.split(". ")[0][:90] if question else feedback["question_id"]
    lines = [f"## Feedback: {title}", "", f"**Overall: {feedback['overall']}/4** ({feedback['round']} round, "
             f"`{feedback['question_id']}`)", ""]
    if feedback.get("time_used_s") is not None or feedback.get("hints_used"):
        minutes = (feedback.get("time_used_s") or 0) / 60
        lines += [f"Time used: {minutes:.1f} min · hints used: {feedback.get('hints_used', 0)}", ""]
    lines += ["| Dimension | Score | Evidence from your answer |", "|---|---|---|"]
    for name, dim in feedback["dimensions"].items():
        quote = dim["evidence"].replace("|", "\\|") if dim["evidence"] else "—"
        lines.append(f"| {name.replace('_', ' ')} | {dim['score']}/4 | {quote} |")
    if feedback["strengths"]:
        lines += ["", "### Strengths", *[f"- {s}" for s in feedback["strengths"]]]
    if feedback["weaknesses"]:
        lines += ["", "### Mistakes and weaknesses"]
        for w in feedback["weaknesses"]:
            mistake = bank.mistake(w["mistake_id"]) if w.get("mistake_id") else None
            tag = f" — **{mistake.title}** (`{mistake.id}`)" if mistake else ""
            lines.append(f"- {w['text']}{tag}")
    if feedback["next_steps"]:
        lines += ["", "### Next steps", *[f"- {s}" for s in feedback["next_steps"]]]
    return "\n".join(lines) + "\n"

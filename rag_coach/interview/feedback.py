"""The feedback object: its published schema, validation, Markdown.

Dimensions per round are defined in ``feedback_schema.json`` (``$defs/<round>_dimensions``), with
one-line definitions that also go into the grading prompt. Every part is decided in code: scores from
the model's per-check P(yes) through the rules in :mod:`rag_coach.interview.scoring`, the catalog
mistakes by :mod:`rag_coach.interview.mistakes`, the written strengths, weaknesses and next steps from
those results and the catalog (:mod:`rag_coach.interview.written`); evidence is a sentence of the
candidate's own answer, picked in code. The model writes no text of the feedback.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema

from rag_coach.interview.mistakes import MistakeVerdict
from rag_coach.interview.scoring import PRIOR, apply_hint_penalty, compute_overall, credit, dimension_scores, met_label
from rag_coach.textsafety import md_text

if TYPE_CHECKING:
    from rag_coach.documents.models import Question
    from rag_coach.interview.questions import QuestionBank

SCHEMA_FILE = "feedback_schema.json"
# Limits of the published object.
EVIDENCE_CHARS = 200
ITEM_CHARS = 300
# Shown under every rendered feedback: what the scores are, and what a small local model can miss.
SCORE_NOTE = ("_How these scores are made: the local model answers yes or no for each rubric item, dimension and "
              "likely catalog mistake, and fixed rules turn its confidence into 1–4 scores and the mistakes named. "
              "A small model can miss subtle bugs or vague stories, so read the rubric table and the evidence, "
              "not only the number._")


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


def _text_list(max_items: int, item_len: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "minLength": 1, **item_len}, "maxItems": max_items}


def schema_for(round: str, mistake_ids: list[str] | None = None) -> dict[str, Any]:
    """Self-contained schema (no ``$ref``) of the complete feedback object for one round; with
    ``mistake_ids``, weaknesses may only name those catalog mistakes (or none)."""
    names = list(dimensions_for(round))
    base = published_schema()["properties"]
    dimension = {
        "type": "object",
        "additionalProperties": False,
        "required": ["evidence", "score"],
        "properties": {"evidence": {"type": "string", "maxLength": EVIDENCE_CHARS},
                       "score": {"type": "integer", "enum": [1, 2, 3, 4]}},
    }
    item_len = {"maxLength": ITEM_CHARS}
    mistake: dict[str, Any] = {"enum": [*mistake_ids, None]} if mistake_ids else {"type": ["string", "null"]}
    weaknesses = {"type": "array", "maxItems": 5, "items": {
        "type": "object", "additionalProperties": False, "required": ["text", "mistake_id"],
        "properties": {"text": {"type": "string", "minLength": 1, **item_len}, "mistake_id": mistake}}}
    props = {
        "question_id": base["question_id"],
        "round": {"const": round},
        "overall": {"type": "integer", "enum": [1, 2, 3, 4]},
        "dimensions": {"type": "object", "additionalProperties": False, "required": names,
                       "properties": {n: copy.deepcopy(dimension) for n in names}},
        "rubric": base["rubric"],
        "strengths": _text_list(5, item_len),
        "weaknesses": weaknesses,
        "next_steps": _text_list(5, item_len),
        "time_used_s": base["time_used_s"],
        "hints_used": base["hints_used"],
    }
    required = [k for k in props if k != "rubric"]
    return {"type": "object", "additionalProperties": False, "required": required, "properties": props}


@dataclass
class Validation:
    feedback: dict[str, Any] | None  # cleaned copy; None when the object is unusable
    errors: list[str] = field(default_factory=list)  # fatal: parse or schema errors
    notes: list[str] = field(default_factory=list)  # repairs made in code (nulled ids, dropped evidence)
    unknown_mistake_ids: list[str] = field(default_factory=list)

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


def _schema_errors(obj: Any, schema: dict[str, Any]) -> list[str]:
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path])
    msgs = [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors[:5]]
    return list(dict.fromkeys(msgs))


def validate(obj: Any, round: str, bank: QuestionBank) -> Validation:
    """Schema-check a complete feedback object (per round and the published schema), then clean it:
    unknown mistake ids are set to null and noted. Schema errors are fatal (``ok`` is False)."""
    errors = _schema_errors(obj, schema_for(round)) + _schema_errors(obj, published_schema())
    if errors:
        return Validation(None, errors=list(dict.fromkeys(errors)))
    result = Validation(copy.deepcopy(obj))
    fb = result.feedback
    assert fb is not None
    for weakness in fb["weaknesses"]:
        mid = weakness.get("mistake_id")
        if mid is not None and bank.mistake(mid) is None:
            result.unknown_mistake_ids.append(mid)
            result.notes.append(f"unknown mistake id '{mid}' set to null")
            weakness["mistake_id"] = None
    return result


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

    def rubric_met(self) -> list[str]:
        """"yes" / "partly" / "no" per rubric item."""
        nulls = self.rubric_null or [PRIOR] * len(self.rubric_p)
        return [met_label(credit(p, p0)) for p, p0 in zip(self.rubric_p, nulls)]


def finalize(question: Question, checks: Checks, *, hints_used: int = 0,
             time_used_s: float | None = None, bank: QuestionBank | None = None) -> dict[str, Any]:
    """Complete feedback object: scores from the checks, evidence, hint penalty, overall, and the written
    part built from the rubric results and the matched catalog mistakes (:mod:`rag_coach.interview.written`)."""
    from rag_coach.interview import written

    scores = dimension_scores(question.rubric, checks.rubric_p, checks.dimension_p, checks.rubric_null, checks.dimension_null)
    dimensions = {name: {"evidence": _clip(checks.dimension_evidence.get(name, "") if score > 1 else "", EVIDENCE_CHARS),
                         "score": score} for name, score in scores.items()}
    penalised = apply_hint_penalty({"dimensions": dimensions}, question.round, hints_used)["dimensions"]
    rubric = []
    for item, met, evidence in zip(question.rubric, checks.rubric_met(), checks.rubric_evidence):
        rubric.append({"item": _clip(item, ITEM_CHARS), "met": met, "evidence": _clip(evidence, EVIDENCE_CHARS) if met != "no" else ""})
    weak = written.weaknesses(rubric, checks.mistakes.matched, bank)
    return {
        "question_id": question.id,
        "round": question.round,
        "overall": compute_overall([int(d["score"]) for d in penalised.values()]),
        "dimensions": penalised,
        "rubric": rubric,
        "strengths": [_clip(t, ITEM_CHARS) for t in written.strengths(rubric, penalised)],
        "weaknesses": [dict(w, text=_clip(w["text"], ITEM_CHARS)) for w in weak],
        "next_steps": [_clip(t, ITEM_CHARS) for t in written.next_steps(question, rubric, weak, bank)],
        "time_used_s": None if time_used_s is None else float(f"{float(time_used_s):.1f}"),
        "hints_used": int(hints_used),
    }


def _inline(text: str) -> str:
    """Any text (the model's, the candidate's, the bank's) on one line, shown literally (see ``md_text``)."""
    return md_text(" ".join(str(text).split()))


def _code(text: str) -> str:
    """An id in a code span; anything that could close the span is shown as escaped text instead."""
    text = str(text)
    return f"`{text}`" if text and "`" not in text and text == " ".join(text.split()) else _inline(text)


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|") if text else "—"


def render_markdown(feedback: dict[str, Any], bank: QuestionBank) -> str:
    """Scores table, strengths, weaknesses with catalog titles and ids, next steps.

    ``feedback`` is the raw feedback object: every string in it and every title from the bank is escaped
    here (and only here), so no HTML, link or image written by the model or the corpus can render.
    """
    question = bank.questions.get(feedback["question_id"])
    title = _inline(question.prompt.split(". ")[0][:90]) if question else _code(feedback["question_id"])
    lines = [f"## Feedback: {title}", "", f"**Overall: {feedback['overall']}/4** ({_inline(feedback['round'])} round, "
             f"{_code(feedback['question_id'])})", ""]
    if feedback.get("time_used_s") is not None or feedback.get("hints_used"):
        minutes = (feedback.get("time_used_s") or 0) / 60
        lines += [f"Time used: {minutes:.1f} min · hints used: {feedback.get('hints_used', 0)}", ""]
    lines += ["| Dimension | Score | Evidence from your answer |", "|---|---|---|"]
    for name, dim in feedback["dimensions"].items():
        lines.append(f"| {_cell(name.replace('_', ' '))} | {dim['score']}/4 | {_cell(dim['evidence'])} |")
    if feedback.get("rubric"):
        marks = {"yes": "met", "partly": "partly", "no": "not shown"}  # words: no emoji font on a stock browser
        lines += ["", "### What the interviewer looks for", "", "| Rubric item | Your answer | Where |", "|---|---|---|"]
        lines += [f"| {_cell(c['item'])} | {marks[c['met']]} | {_cell(c['evidence'])} |" for c in feedback["rubric"]]
    if feedback["strengths"]:
        lines += ["", "### Strengths", *[f"- {_inline(s)}" for s in feedback["strengths"]]]
    if feedback["weaknesses"]:
        lines += ["", "### Mistakes and weaknesses"]
        for w in feedback["weaknesses"]:
            mistake = bank.mistake(w["mistake_id"]) if w.get("mistake_id") else None
            tag = f" — **{_inline(mistake.title)}** ({_code(mistake.id)})" if mistake else ""
            lines.append(f"- {_inline(w['text'])}{tag}")
    if feedback["next_steps"]:
        lines += ["", "### Next steps", *[f"- {_inline(s)}" for s in feedback["next_steps"]]]
    lines += ["", SCORE_NOTE]
    return "\n".join(lines) + "\n"

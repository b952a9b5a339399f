"""Build the grader's target JSON from reference grades, and label templated answer variants.

Target (the model's written draft, exactly what serving validates with ``schema_for(round)``; the
prompt's rubric results come from :func:`reference_met`, the reference grade of each item's
dimension: >= 3 met, 2 partly, 1 not shown):
* ``weaknesses``: the expected mistakes first (text = catalog title + what to look for; id kept
  only if the serving grammar offers it, i.e. it is among ``candidate_mistakes``, else null), then
  the weakest dimensions (score <= 2) without a mistake, at most ``MAX_ITEMS``.
* ``strengths``: rubric items whose dimension scored >= 3 (best first), or one generic line.
* ``next_steps``: the catalog ``fix`` of each linked mistake, then rubric items of dimensions that
  scored <= 2; for a strong answer, the first bank follow-up to prepare for.

Variant labelling rules (each applied to a ``good`` answer only, so every other dimension keeps
its reference grade; a variant is skipped if nothing was removed):

* ``no_complexity`` (coding): drop every sentence that states a complexity (``O(...)``, "time",
  "space") -> complexity_analysis = 1, mistake ``communication.no_complexity_stated``.
* ``no_edge_cases`` (coding): drop sentences about edge cases / empty input / tests ->
  edge_cases = 1, mistake ``communication.no_testing``.
* ``no_requirements`` (system_design): drop sentences clarifying requirements, scale or
  assumptions -> requirements = 1, mistake ``system_design.skips_requirements``.
* ``no_result`` (behavioral): drop sentences with a number, percentage or "result" ->
  measurable_result = 1, mistake ``behavioral.no_measurable_result``.
* ``we_not_i`` (behavioral): replace the first-person "I"/"my" with "we"/"our" ->
  specificity_ownership = 2, mistake ``behavioral.we_instead_of_i``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rag_coach.documents.models import Question
from rag_coach.interview.feedback import DECODE_CHARS, MAX_ITEMS, dimensions_for, schema_for
from rag_coach.interview.answer_text import SENTENCE_BREAK, dimension_of
from rag_coach.interview.questions import QuestionBank

GENERIC_STRENGTH = "Attempts an answer that addresses the question directly."


def _clip(text: str, limit: int) -> str:
    """Whole text if it fits, else the longest prefix ending at a sentence or clause end, else at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    for marks in ((". ", "? ", "! "), ("; ", ", ", ": ", " (")):
        end = max(head.rfind(m) for m in marks)
        if end >= limit // 2:
            return head[: end + 1].rstrip(" ,;:(")
    return head.rsplit(" ", 1)[0].rstrip(" ,;:-(")


def reference_met(question: Question, scores: dict[str, int]) -> list[str]:
    """Rubric results as the grader shows them to the model, from reference dimension grades."""
    dims = list(dimensions_for(question.round))
    met = {4: "yes", 3: "yes", 2: "partly"}
    return [met.get(int(scores[dimension_of(item, dims)]), "no") for item in question.rubric]


def build_target(question: Question, scores: dict[str, int], mistake_ids: list[str], bank: QuestionBank,
                 offered: list[str], covered: tuple[str, ...] = ()) -> dict[str, Any]:
    """The grader's JSON given the reference ``scores`` and expected mistakes (see module docstring).

    ``covered``: dimensions already explained by a listed mistake (a variant's), so no generic weakness repeats them.
    Keys follow the serving schema's property order, which is the order constrained decoding emits.
    """
    dims = list(dimensions_for(question.round))
    rubric = [(item, dimension_of(item, dims)) for item in question.rubric]
    weaknesses: list[dict[str, Any]] = []
    steps: list[str] = []
    for mid in mistake_ids:
        mistake = bank.mistake(mid)
        if mistake is None or len(weaknesses) >= MAX_ITEMS:
            continue
        weaknesses.append({"text": _clip(f"{mistake.title}: {mistake.spot}", DECODE_CHARS), "mistake_id": mid if mid in offered else None})
        steps.append(_clip(mistake.fix, DECODE_CHARS))
    low = sorted((s, d) for d, s in scores.items() if s <= 2)
    for _, dim in low:
        if len(weaknesses) >= MAX_ITEMS:
            break
        label = dim.replace("_", " ")
        if dim not in covered and not any(label in w["text"].lower() for w in weaknesses):
            weaknesses.append({"text": _clip(f"Weak {label}: {dimensions_for(question.round)[dim]}", DECODE_CHARS), "mistake_id": None})
    steps += [_clip(f"Practise: {item}", DECODE_CHARS) for item, dim in rubric if scores[dim] <= 2]
    if not steps:
        steps = [_clip(f"Prepare for the follow-up: {question.follow_ups[0]}", DECODE_CHARS)]
    strong = sorted(((scores[dim], -i, item) for i, (item, dim) in enumerate(rubric) if scores[dim] >= 3), reverse=True)
    strengths = [_clip(item, DECODE_CHARS) for _, _, item in strong][:2] or [GENERIC_STRENGTH]
    parts = {"strengths": strengths, "weaknesses": weaknesses[:MAX_ITEMS],
             "next_steps": list(dict.fromkeys(steps))[:2]}
    return {key: parts[key] for key in schema_for(question.round)["properties"]}


@dataclass(frozen=True)
class VariantRule:
    name: str
    round: str
    dimension: str
    score: int
    mistake_id: str
    transform: Callable[[str], str]


def _drop(pattern: str) -> Callable[[str], str]:
    rx = re.compile(pattern, re.I)

    def transform(answer: str) -> str:
        kept: list[str] = []
        for para in answer.split("\n\n"):
            if para.lstrip().startswith("```"):
                kept.append(para)
                continue
            parts = [s for s in SENTENCE_BREAK.split(para) if not rx.search(s)]
            if parts:
                kept.append(" ".join(parts))
        return "\n\n".join(kept)

    return transform


def _we_not_i(answer: str) -> str:
    swaps = {"I'm": "we're", "I've": "we've", "I'd": "we'd", "I": "we", "my": "our", "My": "Our", "me": "us", "myself": "ourselves"}
    out = re.sub(r"\b(I'm|I've|I'd|I|my|My|me|myself)\b", lambda m: swaps[m.group(1)], answer)
    return re.sub(r"(^|[.!?]\s+)we\b", lambda m: m.group(1) + "We", out)


VARIANTS: tuple[VariantRule, ...] = (
    VariantRule("no_complexity", "coding", "complexity_analysis", 1, "mistake.communication.no_complexity_stated",
                _drop(r"O\(|\btime\b|\bspace\b|complexity")),
    VariantRule("no_edge_cases", "coding", "edge_cases", 1, "mistake.communication.no_testing",
                _drop(r"edge case|empty|\bsingle\b|\btest|\btrac")),
    VariantRule("no_requirements", "system_design", "requirements", 1, "mistake.system_design.skips_requirements",
                _drop(r"requirement|clarif|\bscale\b|per second|\bqps\b|assum|\bDAU\b|million|billion")),
    VariantRule("no_result", "behavioral", "measurable_result", 1, "mistake.behavioral.no_measurable_result",
                _drop(r"\d|percent|result")),
    VariantRule("we_not_i", "behavioral", "specificity_ownership", 2, "mistake.behavioral.we_instead_of_i", _we_not_i),
)


def variants(row: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Labelled variants of a good reference row: (rule name, new row with answer/reference/mistakes)."""
    if row.get("quality") != "good" or row.get("reference") is None:
        return []
    out = []
    for rule in VARIANTS:
        if rule.round != row["round"]:
            continue
        answer = rule.transform(row["answer"]).strip()
        if answer == row["answer"].strip() or len(answer.split()) < 20:
            continue
        dims = dict(row["reference"]["dimensions"])
        dims[rule.dimension] = min(dims[rule.dimension], rule.score)
        new = {**row, "id": f"{row['id']}.{rule.name}", "quality": rule.name, "answer": answer, "covers": (rule.dimension,),
               "reference": {"dimensions": dims},
               "expected_mistake_ids": [rule.mistake_id, *[m for m in row["expected_mistake_ids"] if m != rule.mistake_id]]}
        out.append((rule.name, new))
    return out

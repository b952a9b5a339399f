"""Label the grader's yes/no checks from reference grades, and label templated answer variants.

Targets are the answers serving reads P(yes) from (:mod:`rag_coach.interview.grading`): for each
rubric item, "yes" when the reference grade of the item's dimension is >= 3 and "no" when it is 1
(:func:`reference_met`); for each catalog mistake the answer is labelled with, "yes", and "no" for
the question's other linked mistakes (:func:`check_targets`).

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
from rag_coach.interview.dimensions import dimensions_for
from rag_coach.interview.answer_text import SENTENCE_BREAK, dimension_of
from rag_coach.interview.questions import QuestionBank

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


def check_targets(question: Question, scores: dict[str, int], expected: list[str], bank: QuestionBank,
                  ) -> list[tuple[str, str, str]]:
    """(kind, check text, "yes"/"no") for the yes/no checks serving asks, labelled from the reference:
    a rubric item is "yes" when its dimension scored >= 3 and "no" at 1 (items at 2 are not labelled);
    a catalog mistake is "yes" when the answer is labelled with it, "no" for the question's other linked
    mistakes."""
    from rag_coach.interview.mistakes import check_text

    out = [("rubric", item, "yes" if met == "yes" else "no")
           for item, met in zip(question.rubric, reference_met(question, scores)) if met != "partly"]
    for mid in dict.fromkeys([*expected, *question.mistake_ids]):
        mistake = bank.mistake(mid)
        if mistake is not None:
            out.append(("mistake", check_text(mistake), "yes" if mid in expected else "no"))
    return out


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

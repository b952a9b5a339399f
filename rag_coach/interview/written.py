"""The written part of the feedback, owned by the rubric results (the model adds no strength or advice).

* **Strengths** are rubric items the checks marked met, each quoted with the candidate's own
  sentence; when no item is met, dimensions that scored 3 or 4 with their evidence. Nothing else:
  no generic praise, so a strength can never contradict the rubric table.
* **Weaknesses** are first what the deterministic checks found (:mod:`rag_coach.interview.signals`:
  the reason written in code, with the candidate's own sentence), then the catalog mistakes the
  model checks matched (:mod:`rag_coach.interview.mistakes`), then the rubric items marked "not
  shown"; the text of a matched mistake is the catalog's own "how to spot it", never the model's.
* **Next steps** are the matched mistakes' ``fix``, then the question's first hint when an item was
  missed, then a follow-up the interviewer may ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag_coach.documents.models import Question
    from rag_coach.interview.signals import Finding
    from rag_coach.interview.feedback import DimensionScore, RubricCheck, Weakness
    from rag_coach.interview.questions import QuestionBank

MAX_WRITTEN = 5  # per list, as in the published schema
QUOTE_CHARS = 140  # a finding's quote of the answer, so reason and quote fit one weakness


def strengths(rubric: list[RubricCheck], dimensions: dict[str, DimensionScore]) -> list[str]:
    met = [f"{row.item} — you showed it: \"{row.evidence}\"" for row in rubric if row.met == "yes" and row.evidence]
    if met:
        return met[:MAX_WRITTEN]
    strong = [(d.score, name) for name, d in dimensions.items() if d.score >= 3 and d.evidence]
    return [f"{name.replace('_', ' ')} ({score}/4): \"{dimensions[name].evidence}\"" for score, name in sorted(strong, reverse=True)][:MAX_WRITTEN]


def weaknesses(rubric: list[RubricCheck], matched: list[str], bank: QuestionBank | None,
               found: Sequence[Finding] = ()) -> list[tuple[str, str | None]]:
    """(text, catalog mistake id or None) per weakness: findings, then matched mistakes, then unmet items."""
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for f in found:
        evidence = f.evidence if len(f.evidence) <= QUOTE_CHARS else f.evidence[: QUOTE_CHARS - 1].rstrip() + "…"
        quote = f' You wrote: "{evidence}"' if evidence else ""
        out.append((f"{f.reason}{quote}", f.mistake_id))
        if f.mistake_id:
            seen.add(f.mistake_id)
    for mistake_id in matched:
        mistake = bank.mistake(mistake_id) if bank is not None else None
        if mistake is not None and mistake.id not in seen:
            seen.add(mistake.id)
            out.append((mistake.spot, mistake.id))
    out += [(f"Not shown: {row.item}", None) for row in rubric if row.met == "no"]
    return out[:MAX_WRITTEN]


def next_steps(question: Question, rubric: list[RubricCheck], written_weaknesses: list[Weakness],
               bank: QuestionBank | None) -> list[str]:
    steps: list[str] = []
    for weakness in written_weaknesses:
        mistake = bank.mistake(weakness.mistake_id) if bank is not None and weakness.mistake_id else None
        if mistake is not None:
            steps.append(mistake.fix)
    if any(row.met != "yes" for row in rubric) and question.hints:
        steps.append(f"Hint for this question: {question.hints[0]}")
    if question.follow_ups:
        steps.append(f"Be ready for the follow-up: {question.follow_ups[0]}")
    return list(dict.fromkeys(steps))[:MAX_WRITTEN]

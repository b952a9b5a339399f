"""The JSON schema a generated question must follow, example selection and the compact generation prompt."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from rag_coach.documents.models import Mistake, Question
from rag_coach.interview.questions import QuestionBank

PROMPT_CHARS, ITEM_CHARS, PASSAGE_CHARS = 500, 180, 350
RUBRIC_ITEMS, HINT_ITEMS, FOLLOW_UP_ITEMS, MAX_MISTAKES = (2, 6), 3, (2, 4), 3

SYSTEM = (
    "You write interview questions for a question bank. Write ONE new question in the style of the examples: "
    "same round, topic and difficulty, but a different problem or situation, in your own words. Use the company "
    "notes only for flavour; invent no company facts. hints: exactly three, each more direct than the last. "
    "mistake_ids: only ids from the list. Reply in JSON."
)
RETRY = "Rejected: {reason}. Write a clearly different question."


def _texts(lo: int, hi: int) -> dict[str, Any]:
    item = {"type": "string", "minLength": 3, "maxLength": ITEM_CHARS}
    return {"type": "array", "items": item, "minItems": lo, "maxItems": hi}


def generation_schema(mistake_ids: Sequence[str], principles: Sequence[str] = ()) -> dict[str, Any]:
    """Self-contained schema (no ``$ref``) for constrained decoding; id, round, topic, difficulty and source are set by code.

    ``principles`` (the company's principles used in its bank) become an optional enum list; none: no field.
    """
    mistakes: dict[str, Any] = {"type": "array", "maxItems": MAX_MISTAKES if mistake_ids else 0}
    mistakes["items"] = {"type": "string", "enum": list(mistake_ids)} if mistake_ids else {"type": "string"}
    props: dict[str, Any] = {
        "prompt": {"type": "string", "minLength": 15, "maxLength": PROMPT_CHARS},
        "rubric": _texts(*RUBRIC_ITEMS),
        "hints": _texts(HINT_ITEMS, HINT_ITEMS),
        "follow_ups": _texts(*FOLLOW_UP_ITEMS),
        "mistake_ids": mistakes,
        "level": {"type": "array", "items": {"type": "string", "maxLength": 20}, "maxItems": 3},
    }
    if principles:
        props["principles"] = {"type": "array", "items": {"type": "string", "enum": list(principles)}, "maxItems": 3}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["prompt", "rubric", "hints", "follow_ups", "mistake_ids"],
        "properties": props,
    }


def one_line(text: str) -> str:
    return " ".join(text.split())


def pick_examples(bank: QuestionBank, company: str, round: str, topic: str, difficulty: str, k: int = 3, offset: int = 0) -> list[Question]:
    """``k`` bank questions of this company (or general) and round, same topic first, then same round.

    Within each group same-difficulty questions come first; ``offset`` rotates the same-topic pool so
    successive questions of a batch are grounded on different examples.
    """
    same_topic = sorted(bank.filter(company, round, topic=topic), key=lambda q: q.difficulty != difficulty)
    if same_topic:
        shift = offset % len(same_topic)
        same_topic = same_topic[shift:] + same_topic[:shift]
    chosen = same_topic[:k]
    if len(chosen) < k:
        rest = [q for q in bank.filter(company, round) if q.topic != topic]
        rest.sort(key=lambda q: (q.company != company, q.difficulty != difficulty, q.id))
        chosen += rest[: k - len(chosen)]
    return chosen


def company_principles(bank: QuestionBank, company: str) -> list[str]:
    """Principles the company's own bank questions probe (e.g. Amazon's Leadership Principles), sorted."""
    return sorted({p for q in bank.questions.values() if q.company == company for p in q.principles})


def candidate_mistakes(bank: QuestionBank, round: str, topic: str, examples: Sequence[Question], limit: int = 8) -> list[Mistake]:
    """The bank's candidate mistakes for a question of this round/topic (seeded with the examples' links)."""
    linked = list(dict.fromkeys(mid for q in examples if q.topic == topic for mid in q.mistake_ids))
    proxy = Question.model_construct(round=round, topic=topic, mistake_ids=linked)
    return bank.candidate_mistakes(proxy, limit)


def example_json(q: Question, full: bool) -> str:
    data: dict[str, Any] = {"prompt": one_line(q.prompt)}
    if full:
        data.update(rubric=q.rubric, hints=q.hints, follow_ups=q.follow_ups, mistake_ids=q.mistake_ids)
        if q.principles:
            data["principles"] = q.principles
    return json.dumps(data, ensure_ascii=False)


def build_messages(
    *,
    company_name: str,
    round_name: str,
    topic: str,
    difficulty: str,
    examples: Sequence[Question],
    passages: Sequence[str],
    mistakes: Sequence[Mistake],
    avoid: Sequence[str] = (),
) -> list[dict[str, str]]:
    """Compact prompt (~700 tokens): the request, 2-3 examples (the first in full, the rest prompt only), 1-2 guide
    passages, the mistake list and what not to repeat."""
    lines = [f"Company: {company_name}. Round: {round_name}. Topic: {topic}. Difficulty: {difficulty}.", "Examples:"]
    lines += [example_json(q, full=i == 0) for i, q in enumerate(examples)]
    if passages:
        lines.append("Company notes:")
        lines += [f"- {one_line(p)[:PASSAGE_CHARS]}" for p in passages]
    if mistakes:
        lines.append("Mistake ids (id: title):")
        lines += [f"- {m.id}: {m.title}" for m in mistakes]
    if avoid:
        lines.append("Already written, do not repeat:")
        lines += [f"- {one_line(a)[:160]}" for a in avoid]
    lines.append("JSON: prompt, rubric[2-6], hints[3], follow_ups[2-4], mistake_ids[]")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n".join(lines)}]


def parse_json(text: str) -> tuple[Any, str | None]:
    """Parse the model's reply (tolerating a Markdown fence); returns (object, error)."""
    body = text.strip()
    fence = re.match(r"^```(?:json)?\s*(.*?)\s*```$", body, re.S)
    if fence:
        body = fence.group(1)
    try:
        return json.loads(body, strict=False), None
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"

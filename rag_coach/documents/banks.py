"""YAML question banks and mistake catalogs → validated records, one retrieval section each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rag_coach.documents.models import DocMeta, DocumentError, Mistake, Question, Section
from rag_coach.documents.registry import Registry


def _first_error(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "?"
    return loc, err["msg"]


def _entry_label(item: Any, index: int) -> str:
    ident = item.get("id") if isinstance(item, dict) else None
    return f"entry {index + 1}" + (f" ({ident})" if isinstance(ident, str) and ident else "")


def render_question(q: Question) -> str:
    lines = [q.prompt.strip(), "", "What a strong answer covers:"]
    lines += [f"- {item}" for item in q.rubric]
    if q.principles:
        lines.append("Principles probed: " + ", ".join(q.principles))
    lines.append("Follow-up questions: " + " | ".join(q.follow_ups))
    lines.append("Hints: " + " | ".join(q.hints))
    return "\n".join(lines)


def render_mistake(m: Mistake) -> str:
    return (
        f"{m.title}\nHow to spot it: {m.spot}\nWhy interviewers care: {m.why}\nFix: {m.fix}\n"
        f"Typical follow-up: {m.follow_up}"
    )


def parse_questions(raw: dict[str, Any], meta: DocMeta, doc_id: str, path: Path | str, registry: Registry) -> tuple[list[Question], list[Section]]:
    items = raw.get("questions")
    if not isinstance(items, list) or not items:
        raise DocumentError(path, "a question bank needs a non-empty list of questions", "questions")
    questions: list[Question] = []
    sections: list[Section] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        label = _entry_label(item, index)
        if not isinstance(item, dict):
            raise DocumentError(path, f"{label}: must be a mapping of fields", "questions")
        if "company" in item:
            raise DocumentError(path, f"{label}: remove 'company'; it comes from the bank's own metadata", "questions.company")
        try:
            q = Question(**item, company=meta.company)
        except (ValidationError, TypeError) as exc:
            loc, msg = _first_error(exc) if isinstance(exc, ValidationError) else ("?", str(exc))
            raise DocumentError(path, f"{label}: {msg}", f"questions.{loc}") from None
        if q.id in seen:
            raise DocumentError(path, f"{label}: duplicate question id; ids must be unique", "questions.id")
        seen.add(q.id)
        if q.round not in registry.rounds or q.round == "all":
            raise DocumentError(path, f"{label}: round '{q.round}' must be a concrete round from registry.yaml", "questions.round")
        valid_topics = registry.topics.get(q.round)
        if valid_topics and q.topic not in valid_topics:
            raise DocumentError(
                path, f"{label}: topic '{q.topic}' is not a {q.round} topic; valid: {', '.join(valid_topics)}", "questions.topic"
            )
        if q.difficulty not in registry.difficulties:
            raise DocumentError(path, f"{label}: difficulty '{q.difficulty}' not in registry", "questions.difficulty")
        questions.append(q)
        heading = f"Question {q.id} ({q.round}, {q.topic}, {q.difficulty})"
        sections.append(
            Section(q.id, (meta.title, heading), render_question(q), round=q.round, question_id=q.id, splittable=False)
        )
    return questions, sections


def parse_mistakes(raw: dict[str, Any], meta: DocMeta, path: Path | str, registry: Registry) -> tuple[list[Mistake], list[Section]]:
    items = raw.get("mistakes")
    if not isinstance(items, list) or not items:
        raise DocumentError(path, "a mistake catalog needs a non-empty list of mistakes", "mistakes")
    area = raw.get("area")
    if registry.mistake_areas and area not in registry.mistake_areas:
        raise DocumentError(path, f"unknown area '{area}'; valid: {', '.join(registry.mistake_areas)}", "area")
    mistakes: list[Mistake] = []
    sections: list[Section] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        label = _entry_label(item, index)
        if not isinstance(item, dict):
            raise DocumentError(path, f"{label}: must be a mapping of fields", "mistakes")
        try:
            m = Mistake(**item)
        except (ValidationError, TypeError) as exc:
            loc, msg = _first_error(exc) if isinstance(exc, ValidationError) else ("?", str(exc))
            raise DocumentError(path, f"{label}: {msg}", f"mistakes.{loc}") from None
        if m.id in seen:
            raise DocumentError(path, f"{label}: duplicate mistake id", "mistakes.id")
        if area and m.area != area:
            raise DocumentError(path, f"{label}: id must start with 'mistake.{area}.'", "mistakes.id")
        seen.add(m.id)
        mistakes.append(m)
        sections.append(
            Section(m.id, (meta.title, m.title), render_mistake(m), mistake_id=m.id, splittable=False)
        )
    return mistakes, sections

"""Markdown with YAML front matter → metadata + heading-aware sections."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from rag_coach.documents.models import DocumentError, Section

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
CONFIDENCE = re.compile(r"^\s*[*_]{0,2}confidence:?[*_]{0,2}\s*:?\s*[*_`]{0,2}([a-z_]+)[*_`]{0,2}\s*$", re.I)


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "section"


def split_front_matter(text: str, path: Path | str) -> tuple[dict[str, Any], str]:
    """Return (front matter mapping, body). Broken or missing front matter raises DocumentError."""
    stripped = text.lstrip("\ufeff")
    if not stripped.startswith("---"):
        raise DocumentError(path, "no YAML front matter; start the file with a '---' block (see corpus/README.md)")
    lines = stripped.splitlines(keepends=True)
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            break
    else:
        raise DocumentError(path, "front matter is not closed; add a line '---' after the metadata")
    try:
        meta = yaml.safe_load("".join(lines[1:end]))
    except yaml.YAMLError as exc:
        raise DocumentError(path, f"front matter is not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(meta, dict):
        raise DocumentError(path, "front matter must be a YAML mapping of field: value")
    return meta, "".join(lines[end + 1 :])


def parse_sections(
    body: str, doc_id: str, title: str, valid_confidence: dict[str, str] | tuple[str, ...], path: Path | str
) -> list[Section]:
    """Split a Markdown body at headings. The document's ``#`` title is the root of every heading path."""
    sections: list[Section] = []
    stack: list[tuple[int, str, str | None]] = []  # (level, heading, confidence)
    buffer: list[str] = []
    in_fence = False
    seen_ids: dict[str, int] = {}

    def flush() -> None:
        lines = list(buffer)
        buffer.clear()
        confidence = stack[-1][2] if stack else None
        while lines and not lines[0].strip():
            lines.pop(0)
        if lines and (match := CONFIDENCE.match(lines[0])):
            label = match.group(1).lower()
            if label not in valid_confidence:
                heading = stack[-1][1] if stack else title
                raise DocumentError(
                    path,
                    f"section '{heading}': unknown confidence '{label}'; use one of {', '.join(valid_confidence)}",
                    "confidence",
                )
            confidence = label
            lines.pop(0)
            if stack:
                level, heading, _ = stack[-1]
                stack[-1] = (level, heading, confidence)
        text = "".join(lines).strip()
        if not text:
            return
        headings = [h for level, h, _ in stack if level > 1]
        base = f"{doc_id}#" + ("/".join(slugify(h) for h in headings) or "intro")
        count = seen_ids.get(base, 0)
        seen_ids[base] = count + 1
        section_id = base if count == 0 else f"{base}-{count + 1}"
        sections.append(Section(section_id, (title, *headings), text, confidence))

    for line in body.splitlines(keepends=True):
        if FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING.match(line)
        if not match:
            buffer.append(line)
            continue
        flush()
        level, heading = len(match.group(1)), match.group(2).strip()
        parent_conf = None
        while stack and stack[-1][0] >= level:
            stack.pop()
        if stack:
            parent_conf = stack[-1][2]
        stack.append((level, heading, parent_conf))
    flush()
    return sections

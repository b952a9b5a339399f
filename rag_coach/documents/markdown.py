"""Markdown with YAML front matter → metadata + heading-aware sections."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rag_coach.documents.models import DocumentError, Section
from rag_coach.documents.yamlio import YamlProblem, parse_yaml

FENCE = re.compile(r"^\s*(```|~~~)")
CONFIDENCE = re.compile(r"^\s*[*_]{0,2}confidence:?[*_]{0,2}\s*:?\s*[*_`]{0,2}([a-z_]+)[*_`]{0,2}\s*$", re.I)
MAX_CONFIDENCE_LINE = 200  # a 'Confidence: label' line is short; the pattern is quadratic on long whitespace runs


def heading_of(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line such as ``## Title ##``, else None.

    Same result as the pattern ``^(#{1,6})\\s+(.+?)\\s*#*\\s*$`` (text stripped), computed in linear time:
    that pattern backtracks cubically on a long run of spaces inside a heading.
    """
    hashes = len(line) - len(line.lstrip("#"))
    rest = line[hashes:]
    if not 1 <= hashes <= 6 or not rest[:1].isspace():
        return None
    core = rest.strip()
    if not core:  # only whitespace after the hashes: an empty heading if a non-newline char can be the text
        return (hashes, "") if any(ch != "\n" for ch in rest[1:]) else None
    text = core.rstrip("#").rstrip()
    return hashes, (text or core[0]).strip()


def confidence_label(line: str) -> str | None:
    """The label of a 'Confidence: label' line (lower-case), else None."""
    if len(line) > MAX_CONFIDENCE_LINE:
        return None
    match = CONFIDENCE.match(line)
    return match.group(1).lower() if match else None


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
        meta = parse_yaml("".join(lines[1:end]), first_line=2)
    except YamlProblem as exc:
        raise DocumentError(path, f"front matter is not valid YAML: {exc}") from None
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
    used_ids: set[str] = set()

    def flush() -> None:
        lines = list(buffer)
        buffer.clear()
        confidence = stack[-1][2] if stack else None
        first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
        del lines[:first]  # one slice: popping blank lines one by one is quadratic
        if lines and (label := confidence_label(lines[0])) is not None:
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
        section_id = base if count == 0 else f"{base}-{count + 1}"
        while section_id in used_ids:  # e.g. headings 'A', 'A' and 'A 2'
            count += 1
            section_id = f"{base}-{count + 1}"
        seen_ids[base] = count + 1
        used_ids.add(section_id)
        sections.append(Section(section_id, (title, *headings), text, confidence))

    for line in body.splitlines(keepends=True):
        if FENCE.match(line):
            in_fence = not in_fence
        found = None if in_fence else heading_of(line)
        if found is None:
            buffer.append(line)
            continue
        flush()
        level, heading = found
        parent_conf = None
        while stack and stack[-1][0] >= level:
            stack.pop()
        if stack:
            parent_conf = stack[-1][2]
        stack.append((level, heading, parent_conf))
    flush()
    return sections

"""Validation of document metadata (front matter or sidecar) against the corpus registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rag_coach.documents.models import DocMeta, DocumentError
from rag_coach.documents.registry import Registry

REQUIRED_FIELDS = ("company", "round", "kind", "title", "sources", "last_reviewed")


def _choices(values: dict[str, str] | tuple[str, ...]) -> str:
    return ", ".join(sorted(values))


def _source_text(item: Any) -> str:
    if isinstance(item, dict):
        title = str(item.get("title") or "").strip()
        url = str(item.get("url") or "").strip()
        return f"{title} <{url}>" if title and url else title or url
    return str(item).strip()


def validate_metadata(raw: Any, path: Path | str, registry: Registry) -> DocMeta:
    """Check every required field; the first problem raises a :class:`DocumentError` naming file and field."""
    if not isinstance(raw, dict):
        raise DocumentError(path, "metadata must be a YAML mapping with " + ", ".join(REQUIRED_FIELDS))
    for name in REQUIRED_FIELDS:
        if raw.get(name) in (None, "", []):
            raise DocumentError(path, "missing; add it to the front matter or sidecar (see corpus/README.md)", name)
    for name in ("company", "round", "kind", "title"):
        if not isinstance(raw[name], (str, int, float, dt.date)):
            raise DocumentError(path, f"must be a single text value, not a {type(raw[name]).__name__}", name)
    if not str(raw["title"]).strip():
        raise DocumentError(path, "is blank; give the document a title", "title")
    checks = (("company", registry.companies), ("round", registry.rounds), ("kind", registry.kinds))
    for name, valid in checks:
        value = str(raw[name])
        if value not in valid:
            raise DocumentError(
                path, f"unknown value '{value}'; valid values (from registry.yaml): {_choices(valid)}", name
            )
    sources = raw["sources"]
    if not isinstance(sources, list):
        raise DocumentError(path, "must be a list of sources (strings or {title, url})", "sources")
    texts = tuple(_source_text(s) for s in sources)
    if not all(texts):
        raise DocumentError(path, "every source needs a title or a url", "sources")
    reviewed = raw["last_reviewed"]
    if isinstance(reviewed, dt.datetime):
        reviewed = reviewed.date()
    if not isinstance(reviewed, dt.date):
        try:
            reviewed = dt.date.fromisoformat(str(reviewed))
        except ValueError:
            raise DocumentError(path, f"'{reviewed}' is not an ISO date such as 2026-11-23", "last_reviewed") from None
    title = str(raw["title"]).strip()
    return DocMeta(
        company=str(raw["company"]),
        round=str(raw["round"]),
        kind=str(raw["kind"]),
        title=title,
        sources=texts,
        last_reviewed=reviewed,
    )

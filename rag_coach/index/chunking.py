"""Heading-aware chunking: a chunk never spans two sections; ids are content hashes (stable across runs)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Any

from rag_coach.documents.models import Document, Section
from rag_coach.settings import ChunkingSettings

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    section_id: str
    title: str
    section: str  # heading path below the title, " > "-joined
    company: str
    round: str
    kind: str
    source: str  # path relative to the corpus folder
    text: str
    page: int | None = None
    confidence: str | None = None
    question_id: str | None = None
    mistake_id: str | None = None
    last_reviewed: str = ""

    def embed_text(self) -> str:
        """What the embedding model sees: the heading path gives short chunks their context."""
        head = self.title + (f" > {self.section}" if self.section else "")
        return f"{head}\n{self.text}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chunk":
        return cls(**data)


def _split_long(text: str, max_chars: int) -> list[str]:
    """Pack paragraphs (then sentences, then hard cuts) into pieces of at most ``max_chars``."""
    units: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para:
            continue
        if len(para) <= max_chars:
            units.append(para)
            continue
        for sentence in SENTENCE_END.split(para):
            while len(sentence) > max_chars:
                cut = sentence.rfind(" ", 0, max_chars)
                cut = cut if cut > max_chars // 2 else max_chars
                units.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if sentence:
                units.append(sentence)
    pieces: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}\n\n{unit}" if current else unit
        if len(candidate) <= max_chars:
            current = candidate
        else:
            pieces.append(current)
            current = unit
    if current:
        pieces.append(current)
    return pieces


def split_section(section: Section, settings: ChunkingSettings) -> list[str]:
    if not section.splittable or len(section.text) <= settings.max_chars:
        return [section.text]
    pieces = _split_long(section.text, settings.max_chars)
    if len(pieces) > 1 and len(pieces[-1]) < settings.min_chars:
        tail = pieces.pop()
        pieces[-1] = f"{pieces[-1]}\n\n{tail}"
    return pieces


def chunk_id(doc_id: str, section_id: str, text: str, ordinal: int = 0) -> str:
    digest = hashlib.sha256(f"{doc_id}\x1f{section_id}\x1f{ordinal}\x1f{text}".encode()).hexdigest()
    return digest[:24]


def chunk_document(doc: Document, settings: ChunkingSettings) -> list[Chunk]:
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for section in doc.sections:
        for piece in split_section(section, settings):
            ordinal = 0
            cid = chunk_id(doc.doc_id, section.section_id, piece)
            while cid in seen:  # identical text twice in one section: disambiguate deterministically
                ordinal += 1
                cid = chunk_id(doc.doc_id, section.section_id, piece, ordinal)
            seen.add(cid)
            chunks.append(
                Chunk(
                    chunk_id=cid,
                    doc_id=doc.doc_id,
                    section_id=section.section_id,
                    title=doc.meta.title,
                    section=" > ".join(section.heading_path[1:]),
                    company=doc.meta.company,
                    round=section.round or doc.meta.round,
                    kind=doc.meta.kind,
                    source=doc.path.as_posix(),
                    text=piece,
                    page=section.page,
                    confidence=section.confidence,
                    question_id=section.question_id,
                    mistake_id=section.mistake_id,
                    last_reviewed=doc.meta.last_reviewed.isoformat(),
                )
            )
    return chunks

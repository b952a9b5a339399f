"""Heading-aware chunking with stable ids."""

from __future__ import annotations

from pathlib import Path

from rag_coach.documents.loader import load_corpus
from rag_coach.documents.registry import load_registry
from rag_coach.index.chunking import chunk_document
from rag_coach.settings import ChunkingSettings


def _chunks(corpus: Path, max_chars: int = 900):
    docs, problems = load_corpus(corpus, load_registry(corpus), 5_000_000)
    assert not problems
    return [c for d in docs for c in chunk_document(d, ChunkingSettings(max_chars=max_chars))]


def test_chunks_keep_heading_path_and_metadata(mini_corpus: Path) -> None:
    chunks = _chunks(mini_corpus)
    bar = next(c for c in chunks if "veto" in c.text)
    assert (bar.title, bar.section, bar.company, bar.round, bar.kind) == (
        "Amazon test guide", "Bar Raiser", "amazon", "all", "company_guide")
    assert bar.doc_id == "companies/amazon" and bar.source == "companies/amazon.md"
    question = next(c for c in chunks if c.question_id == "q.amazon.behavioral.tight_budget")
    assert question.round == "behavioral" and "Frugality" in question.text
    assert sum(1 for c in chunks if c.question_id) == 2  # one chunk per question
    assert next(c for c in chunks if c.mistake_id).mistake_id == "mistake.linked_list.empty_input"


def test_no_chunk_spans_two_sections_even_when_split(mini_corpus: Path) -> None:
    long_para = " ".join(f"Sentence number {i} about the bar raiser role." for i in range(60))
    path = mini_corpus / "companies/amazon.md"
    path.write_text(path.read_text().replace("keeps the hiring bar high.", "keeps the hiring bar high.\n\n" + long_para))
    chunks = [c for c in _chunks(mini_corpus, max_chars=300) if c.doc_id == "companies/amazon"]
    bar = [c for c in chunks if c.section == "Bar Raiser"]
    assert len(bar) > 3 and all(len(c.text) <= 300 for c in bar)
    assert not any("Frugality means" in c.text for c in bar)
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_chunk_ids_are_stable_and_change_only_with_content(mini_corpus: Path) -> None:
    first = {c.section_id: c.chunk_id for c in _chunks(mini_corpus)}
    assert first == {c.section_id: c.chunk_id for c in _chunks(mini_corpus)}
    path = mini_corpus / "companies/google.md"
    path.write_text(path.read_text().replace("collaborative nature", "collaborative nature and humility"))
    second = {c.section_id: c.chunk_id for c in _chunks(mini_corpus)}
    changed = {k for k in first if first[k] != second.get(k)}
    assert changed == {"companies/google#googleyness"}

"""The ingest plan is decided from the manifest and the files on disk alone: no model, no Chroma.

Every test here runs with the embedding model and both Chroma clients replaced by functions that fail,
so a plan that reached for either would fail the test rather than pass slowly.
"""

from __future__ import annotations

from pathlib import Path

import chromadb
import pytest

from rag_coach.documents.registry import load_registry
from rag_coach.index import vectors
from rag_coach.index.apply import Changes
from rag_coach.index.embedding import Embedder
from rag_coach.index.plan import IngestPlan, plan_ingest
from rag_coach.index.store import Manifest
from rag_coach.settings import Settings
from tests.index.helpers import EXTRA_DOCS, change_corpus, corpus_chunks, expected_chunk_ids

FILES = [
    "companies/amazon.md",
    "companies/google.md",
    "mistakes/linked_list.yaml",
    "practice.txt",
    "questions/amazon.yaml",
    "rounds/coding.md",
]


@pytest.fixture(autouse=True)
def no_model_no_store(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("planning must not embed or open Chroma")

    for name in ("__init__", "embed_documents", "embed_query"):
        monkeypatch.setattr(Embedder, name, refuse)
    for name in ("local_client", "http_client"):
        monkeypatch.setattr(vectors, name, refuse)
    monkeypatch.setattr(chromadb, "PersistentClient", refuse)
    monkeypatch.setattr(chromadb, "HttpClient", refuse)


def plan(settings: Settings, old: Manifest | None) -> IngestPlan:
    return plan_ingest(settings, load_registry(settings.corpus_dir), old)


def manifest_of(p: IngestPlan, settings: Settings) -> Manifest:
    """The manifest an ingest of ``p`` would publish (the dimension plays no part in planning)."""
    return Manifest(settings.embedding_model, 384, settings.chunking.model_dump(), p.files)


def test_first_plan_adds_every_file_with_the_chunker_s_ids(settings: Settings) -> None:
    p = plan(settings, None)
    assert (p.added, p.updated, p.unchanged, p.deleted, p.failed, p.rechunk) == (FILES, [], [], [], [], False)
    assert list(p.files) == FILES and list(p.fresh) == FILES
    assert sorted(p.chunk_ids) == expected_chunk_ids(settings)
    by_file = {rel: [c.chunk_id for c in chunks] for rel, chunks in p.fresh.items()}
    assert {rel: record["chunk_ids"] for rel, record in p.files.items()} == by_file
    assert p.files["practice.txt"]["doc_id"] == "practice"
    assert p.changes_files


def test_plan_over_its_own_manifest_changes_nothing(settings: Settings) -> None:
    first = plan(settings, None)
    again = plan(settings, manifest_of(first, settings))
    assert (again.added, again.updated, again.deleted, again.failed) == ([], [], [], [])
    assert again.unchanged == FILES and again.fresh == {} and not again.changes_files
    assert again.files == first.files


def test_added_updated_and_deleted_files(settings: Settings) -> None:
    old = manifest_of(plan(settings, None), settings)
    change_corpus(settings.corpus_dir)  # three new files, google.md grows a section, practice.txt goes
    p = plan(settings, old)
    assert p.added == sorted(EXTRA_DOCS)
    assert p.updated == ["companies/google.md"]
    assert p.deleted == ["practice.txt"]
    assert sorted(p.unchanged) == sorted(set(FILES) - {"companies/google.md", "practice.txt"})
    assert sorted(p.fresh) == sorted([*EXTRA_DOCS, "companies/google.md"])
    assert "practice.txt" not in p.files and list(p.files) == sorted(p.files)
    assert sorted(p.chunk_ids) == expected_chunk_ids(settings)
    assert p.files["companies/google.md"]["fingerprint"] != old.files["companies/google.md"]["fingerprint"]


def test_bad_files_are_reported_and_a_file_gone_bad_keeps_its_record(settings: Settings) -> None:
    old = manifest_of(plan(settings, None), settings)
    (settings.corpus_dir / "companies/google.md").write_text("---\ncompany: [broken\n---\n")
    (settings.corpus_dir / "companies/new.md").write_bytes(b"\xff\xfe binary")
    (settings.corpus_dir / "notes.docx").write_text("unsupported")
    p = plan(settings, old)
    reasons = {f.file: f.reason for f in p.failed}
    assert set(reasons) == {"companies/google.md", "companies/new.md", "notes.docx"}
    assert "unsupported file type '.docx'" in reasons["notes.docx"]
    assert all(not reason.startswith(file) for file, reason in reasons.items())  # the path is not repeated
    assert p.files["companies/google.md"] == old.files["companies/google.md"]
    assert "companies/new.md" not in p.files and p.added == [] and p.updated == [] and p.deleted == []
    assert not p.changes_files


def test_new_chunking_settings_rechunk_every_file(settings: Settings) -> None:
    old = manifest_of(plan(settings, None), settings)
    smaller = settings.model_copy(update={"chunking": settings.chunking.model_copy(update={"max_chars": 200})})
    p = plan(smaller, old)
    assert p.rechunk and p.changes_files
    assert p.updated == FILES and p.unchanged == [] and list(p.fresh) == FILES


def test_changes_embed_only_new_chunks_and_drop_stale_ones(settings: Settings) -> None:
    stored = {c.chunk_id: c for c in corpus_chunks(settings)}
    old = manifest_of(plan(settings, None), settings)
    change_corpus(settings.corpus_dir)
    p = plan(settings, old)
    changes = Changes.of(p, stored)
    wanted = set(p.chunk_ids)
    assert [c.chunk_id for c in changes.chunks] == p.chunk_ids
    assert {c.chunk_id for c in changes.to_embed} == wanted - set(stored)
    assert set(changes.stale) == set(stored) - wanted
    assert changes.to_embed and changes.stale  # the changed corpus both adds and removes chunks
    unchanged = {cid for rel in p.unchanged for cid in p.files[rel]["chunk_ids"]}
    assert all(stored[c.chunk_id] is c for c in changes.chunks if c.chunk_id in unchanged)  # unchanged files: not re-read
    fresh = {c.chunk_id: c for chunks in p.fresh.values() for c in chunks}
    assert all(fresh[c.chunk_id] is c for c in changes.chunks if c.chunk_id not in unchanged)  # changed: as chunked now


def test_missing_corpus_folder_is_an_error(settings: Settings, tmp_path: Path) -> None:
    registry = load_registry(settings.corpus_dir)
    gone = settings.model_copy(update={"corpus_dir": tmp_path / "nowhere"})
    with pytest.raises(FileNotFoundError, match="corpus folder"):
        plan_ingest(gone, registry, None)

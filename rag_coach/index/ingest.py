"""Incremental, idempotent, atomic ingestion: corpus files → chunks → embeddings → a new index generation.

An ingest runs in three steps under the index lock:

1. **plan** (:func:`rag_coach.index.plan.plan_ingest`): compare the files on disk with the live manifest;
   no model, no Chroma;
2. **apply** (:class:`rag_coach.index.apply.Changes`): embed the new chunks into a working copy and drop
   the stale ones;
3. **publish** (:func:`rag_coach.index.apply.publish_generation`): write the chunk store and manifest and
   swap the pointer, the same sequence :func:`build_from_chunks` uses.

Unchanged files cost a hash, bad files are reported rather than fatal, and an ingest with nothing to
change writes no generation at all.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from rag_coach.documents.registry import load_registry
from rag_coach.index.apply import (
    Changes,
    Progress,
    add_vectors,
    delete_vectors,
    embed_into,
    publish_generation,
)
from rag_coach.index.chunking import Chunk
from rag_coach.index.embedding import Embedder
from rag_coach.index.plan import IngestPlan, plan_ingest
from rag_coach.index.store import FileRecord, Generation, IndexDir
from rag_coach.settings import Settings

log = logging.getLogger(__name__)

__all__ = ["IngestReport", "Progress", "build_from_chunks", "ingest"]


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)  # {"file": corpus-relative path, "reason": ...}
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0

    @classmethod
    def of(cls, plan: IngestPlan) -> "IngestReport":
        """The file counts of ``plan``; chunk counts and time are filled in once it has run."""
        return cls(
            added=len(plan.added),
            updated=len(plan.updated),
            deleted=len(plan.deleted),
            unchanged=len(plan.unchanged),
            failed=[f.to_dict() for f in plan.failed],
            chunks=len(plan.chunk_ids),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.deleted} deleted, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed; {self.chunks} chunks ({self.embedded} embedded) in {self.seconds:.1f}s"
        )


def _upsert_batch(settings: Settings) -> int:
    return max(1, settings.embedding_batch_size * 4)


def ingest(
    settings: Settings,
    *,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index in line with the corpus (``rebuild``: ignore the live generation and embed everything)."""
    started = time.perf_counter()
    registry = load_registry(settings.corpus_dir)
    index = IndexDir(settings.index_dir, settings.chroma_url)
    embedder = embedder or Embedder(settings.embedding_model, settings.embedding_batch_size)
    with index.lock():
        current = None if rebuild else index.current()
        old = current.manifest() if current else None
        if old is not None:
            old.require_model(settings.embedding_model, settings.index_dir)
        plan = plan_ingest(settings, registry, old)
        report = IngestReport.of(plan)

        moving = current is not None and index.moves_store(current)
        if moving:
            log.info("moving the vectors from %s to a new generation (chroma_url changed)", current.store.describe())
        if current is not None and not plan.changes_files and not moving:
            index.remove_abandoned()  # what a killed run left behind; the live generation is not touched
            report.seconds = time.perf_counter() - started
            return report

        changes = Changes.of(plan, {c.chunk_id: c for c in current.load_chunks()} if current else {})
        log.info("%d chunks to embed, %d to remove", len(changes.to_embed), len(changes.stale))

        def fill(work: Generation) -> int:
            embed_into(work, changes.to_embed, embedder, _upsert_batch(settings), progress)
            delete_vectors(work, changes.stale)
            return (old.dimension if old else 0) or len(embedder.embed_query("dimension"))

        publish_generation(
            index, current, fill, changes.chunks, plan.files,
            embedding_model=settings.embedding_model, chunking=settings.chunking.model_dump(),
        )
        report.embedded = len(changes.to_embed)
        report.chunks = len(changes.chunks)
        report.seconds = time.perf_counter() - started
        return report


def build_from_chunks(
    settings: Settings, chunks: list[Chunk], embedder: Embedder | None = None, vectors: Any = None
) -> Generation:
    """Publish a fresh generation holding exactly ``chunks`` (BEIR collections, synthetic benchmarks).

    ``vectors`` (one row per chunk) skips embedding: the synthetic benchmark corpora use it."""
    embedder = embedder or Embedder(settings.embedding_model, settings.embedding_batch_size)
    index = IndexDir(settings.index_dir, settings.chroma_url)

    def fill(work: Generation) -> int:
        if vectors is None:
            embed_into(work, chunks, embedder, _upsert_batch(settings), None)
        else:
            add_vectors(work, chunks, vectors)
        return len(embedder.embed_query("dimension"))

    files: dict[str, FileRecord] = {
        "_generated": {"fingerprint": "", "doc_id": "_generated", "chunk_ids": [c.chunk_id for c in chunks]}
    }
    with index.lock():
        return publish_generation(
            index, None, fill, chunks, files,
            embedding_model=settings.embedding_model, chunking=settings.chunking.model_dump(),
        )

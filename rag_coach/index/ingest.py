"""Incremental, idempotent, atomic ingestion: corpus files → chunks → embeddings → a new index generation."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from rag_coach.documents.loader import discover, load_document
from rag_coach.documents.models import DocumentError
from rag_coach.documents.registry import load_registry
from rag_coach.index.chunking import Chunk, chunk_document
from rag_coach.index.embedding import Embedder
from rag_coach.index.errors import IndexError_, writing_index
from rag_coach.index.store import Generation, IndexDir, Manifest, write_atomic
from rag_coach.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.deleted} deleted, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed; {self.chunks} chunks ({self.embedded} embedded) in {self.seconds:.1f}s"
        )


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Chroma metadata: the filterable fields (Chroma rejects None values)."""
    data = {"doc_id": chunk.doc_id, "company": chunk.company, "round": chunk.round, "kind": chunk.kind}
    return {k: v for k, v in data.items() if v is not None}


def _upsert(gen: Generation, chunks: list[Chunk], embedder: Embedder, batch: int, progress: Progress | None) -> None:
    collection = gen.collection()
    for start in range(0, len(chunks), batch):
        part = chunks[start : start + batch]
        vectors = embedder.embed_documents([c.embed_text() for c in part])
        collection.upsert(
            ids=[c.chunk_id for c in part],
            embeddings=vectors.tolist(),
            metadatas=[chunk_metadata(c) for c in part],
            documents=[c.text for c in part],
        )
        if progress:
            progress(min(start + batch, len(chunks)), len(chunks))


def ingest(
    settings: Settings,
    *,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index in line with the corpus. Unchanged files cost a hash; bad files are reported, not fatal."""
    started = time.perf_counter()
    registry = load_registry(settings.corpus_dir)
    index = IndexDir(settings.index_dir, settings.chroma_url)
    embedder = embedder or Embedder(settings.embedding_model, settings.embedding_batch_size)
    report = IngestReport()
    with index.lock():
        current = None if rebuild else index.current()
        old = current.manifest() if current else None
        if old is not None:
            old.require_model(settings.embedding_model, settings.index_dir)
        chunking = settings.chunking.model_dump()
        force = old is not None and old.chunking != chunking
        sources, problems = discover(settings.corpus_dir)
        report.failed = [{"file": e.path, "reason": e.problem if not e.field else f"field '{e.field}': {e.problem}"} for e in problems]

        new_files: dict[str, dict[str, Any]] = {}
        fresh: dict[str, list[Chunk]] = {}  # rel -> chunks of added/updated files
        for source in sources:
            fingerprint = source.fingerprint()
            before = old.files.get(source.rel) if old else None
            if before and before["fingerprint"] == fingerprint and not force:
                new_files[source.rel] = before
                report.unchanged += 1
                continue
            try:
                chunks = chunk_document(load_document(source, registry, settings.max_file_bytes), settings.chunking)
            except DocumentError as exc:
                log.warning("skipped %s", exc)
                report.failed.append({"file": exc.path, "reason": str(exc).split(": ", 1)[-1]})
                if before:  # keep what was stored for a file that has gone bad
                    new_files[source.rel] = before
                continue
            fresh[source.rel] = chunks
            new_files[source.rel] = {
                "fingerprint": fingerprint,
                "doc_id": source.doc_id,
                "chunk_ids": [c.chunk_id for c in chunks],
            }
            if before:
                report.updated += 1
            else:
                report.added += 1
        gone = [rel for rel in (old.files if old else {}) if rel not in new_files]
        report.deleted = len(gone)

        moving = current is not None and index.moves_store(current)
        if moving:
            log.info("moving the vectors from %s to a new generation (chroma_url changed)", current.store.describe())
        if current is not None and not fresh and not gone and not force and not moving:
            index.remove_abandoned()  # what a killed run left behind; the live generation is not touched
            report.chunks = sum(len(f["chunk_ids"]) for f in new_files.values())
            report.seconds = time.perf_counter() - started
            return report

        old_chunks = {c.chunk_id: c for c in current.load_chunks()} if current else {}
        wanted_ids = {cid for f in new_files.values() for cid in f["chunk_ids"]}
        to_embed = [c for chunks in fresh.values() for c in chunks if c.chunk_id not in old_chunks]
        stale = [cid for cid in old_chunks if cid not in wanted_ids]
        log.info("%d chunks to embed, %d to remove", len(to_embed), len(stale))

        with writing_index(index.path, index.chroma_url):
            work = index.new_working_copy(current)
            try:
                dimension = old.dimension if old else 0
                if to_embed:
                    _upsert(work, to_embed, embedder, max(1, settings.embedding_batch_size * 4), progress)
                    dimension = dimension or len(embedder.embed_query("dimension"))
                if stale:
                    collection = work.collection()
                    for start in range(0, len(stale), 5000):
                        collection.delete(ids=stale[start : start + 5000])
                if not dimension:
                    dimension = len(embedder.embed_query("dimension"))
                by_id = {**old_chunks, **{c.chunk_id: c for chunks in fresh.values() for c in chunks}}
                ordered = [by_id[cid] for rel in sorted(new_files) for cid in new_files[rel]["chunk_ids"]]
                work.collection()  # the collection exists even for an empty corpus
                work.write_chunks(ordered)
                manifest = Manifest(settings.embedding_model, dimension, chunking, dict(sorted(new_files.items())))
                write_atomic(work.manifest_path, manifest.to_json())
                index.publish(work)
            except BaseException:
                index.discard(work)  # the live generation is untouched; the copy goes (or the next ingest removes it)
                raise
        report.embedded = len(to_embed)
        report.chunks = len(ordered)
        report.seconds = time.perf_counter() - started
        return report


def build_from_chunks(
    settings: Settings, chunks: list[Chunk], embedder: Embedder | None = None, vectors: Any = None
) -> Generation:
    """Publish a fresh generation holding exactly ``chunks`` (BEIR collections, synthetic benchmarks).

    ``vectors`` (one row per chunk) skips embedding: the synthetic benchmark corpora use it."""
    embedder = embedder or Embedder(settings.embedding_model, settings.embedding_batch_size)
    index = IndexDir(settings.index_dir, settings.chroma_url)
    with index.lock(), writing_index(index.path, index.chroma_url):
        work = index.new_working_copy(None)
        try:
            if vectors is None:
                _upsert(work, chunks, embedder, max(1, settings.embedding_batch_size * 4), None)
            else:
                collection = work.collection()
                for start in range(0, len(chunks), 4000):
                    part = chunks[start : start + 4000]
                    collection.add(
                        ids=[c.chunk_id for c in part],
                        embeddings=[list(map(float, v)) for v in vectors[start : start + 4000]],
                        metadatas=[chunk_metadata(c) for c in part],
                    )
            work.collection()
            work.write_chunks(chunks)
            files = {"_generated": {"fingerprint": "", "doc_id": "_generated", "chunk_ids": [c.chunk_id for c in chunks]}}
            dimension = len(embedder.embed_query("dimension"))
            manifest = Manifest(settings.embedding_model, dimension, settings.chunking.model_dump(), files)
            write_atomic(work.manifest_path, manifest.to_json())
            return index.publish(work)
        except BaseException:
            index.discard(work)
            raise

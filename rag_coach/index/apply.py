"""Steps 2 and 3 of an ingest: apply a plan to a working copy of the index, then publish the copy.

:func:`publish_generation` is the one write sequence every new generation goes through (an ingest and
:func:`rag_coach.index.ingest.build_from_chunks` alike): seed a private working copy from the live
generation, let the caller change its vectors, write the chunk store and the manifest, and swap the
``CURRENT`` pointer. A failure anywhere removes the copy and leaves the live generation as it was; disk-full,
read-only and lost-server failures become an :class:`~rag_coach.index.errors.IndexWriteError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rag_coach.index.chunking import Chunk
from rag_coach.index.embedding import Embedder
from rag_coach.index.errors import writing_index
from rag_coach.index.plan import IngestPlan
from rag_coach.index.store import FileRecord, Generation, IndexDir, Manifest, write_atomic

Progress = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed)

ADD_BATCH = 4000  # precomputed vectors per Chroma call
DELETE_BATCH = 5000  # ids per Chroma delete


@dataclass(frozen=True)
class Changes:
    """What an ingest plan means for the stored chunks: which to embed, which to remove, and the new chunk store."""

    to_embed: list[Chunk]  # chunks of added and updated files that the live generation does not hold
    stale: list[str]  # ids the live generation holds that the new one does not
    chunks: list[Chunk]  # the new generation's chunk store, in manifest order

    @classmethod
    def of(cls, plan: IngestPlan, stored: dict[str, Chunk]) -> "Changes":
        """``stored``: the live generation's chunks by id (empty for a first ingest or a rebuild)."""
        wanted = set(plan.chunk_ids)
        fresh = [c for chunks in plan.fresh.values() for c in chunks]
        by_id = {**stored, **{c.chunk_id: c for c in fresh}}
        return cls(
            to_embed=[c for c in fresh if c.chunk_id not in stored],
            stale=[cid for cid in stored if cid not in wanted],
            chunks=[by_id[cid] for cid in plan.chunk_ids],
        )


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Chroma metadata: the filterable fields (Chroma rejects None values)."""
    data = {"doc_id": chunk.doc_id, "company": chunk.company, "round": chunk.round, "kind": chunk.kind}
    return {k: v for k, v in data.items() if v is not None}


def embed_into(work: Generation, chunks: list[Chunk], embedder: Embedder, batch: int, progress: Progress | None) -> None:
    """Embed ``chunks`` in batches of ``batch`` and upsert them into the working copy's collection."""
    collection = work.collection()
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


def add_vectors(work: Generation, chunks: list[Chunk], vectors: Sequence[Any]) -> None:
    """Add precomputed ``vectors`` (one row per chunk) to the working copy's collection."""
    collection = work.collection()
    for start in range(0, len(chunks), ADD_BATCH):
        part = chunks[start : start + ADD_BATCH]
        collection.add(
            ids=[c.chunk_id for c in part],
            embeddings=[list(map(float, v)) for v in vectors[start : start + ADD_BATCH]],
            metadatas=[chunk_metadata(c) for c in part],
        )


def delete_vectors(work: Generation, ids: list[str]) -> None:
    """Remove ``ids`` from the working copy's collection."""
    if not ids:
        return
    collection = work.collection()
    for start in range(0, len(ids), DELETE_BATCH):
        collection.delete(ids=ids[start : start + DELETE_BATCH])


def publish_generation(
    index: IndexDir,
    base: Generation | None,
    fill: Callable[[Generation], int],
    chunks: list[Chunk],
    files: dict[str, FileRecord],
    *,
    embedding_model: str,
    chunking: dict[str, Any],
) -> Generation:
    """Publish a new generation: a copy of ``base`` (None: empty) whose vectors ``fill`` changes, holding ``chunks``.

    ``fill(work)`` writes the vectors and returns their dimension, which the manifest records with ``files``,
    ``embedding_model`` and ``chunking``. The caller holds :meth:`IndexDir.lock`."""
    with writing_index(index.path, index.chroma_url):
        work = index.new_working_copy(base)
        try:
            dimension = fill(work)
            work.collection()  # the collection exists even for an empty corpus
            work.write_chunks(chunks)
            manifest = Manifest(embedding_model, dimension, chunking, files)
            write_atomic(work.manifest_path, manifest.to_json())
            return index.publish(work)
        except BaseException:
            index.discard(work)  # the live generation is untouched; the copy goes (or the next ingest removes it)
            raise

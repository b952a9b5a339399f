"""Step 1 of an ingest: decide what changes, from the previous manifest and the corpus files alone.

:func:`plan_ingest` reads, loads and chunks the corpus files; it never embeds and never opens Chroma, so
what an ingest will add, update, delete and skip can be computed (and tested) without a model or a store.
A file whose fingerprint matches the manifest costs one hash and is not loaded again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from rag_coach.documents.loader import discover, load_document
from rag_coach.documents.models import DocumentError
from rag_coach.documents.registry import Registry
from rag_coach.index.chunking import Chunk, chunk_document
from rag_coach.index.store import FileRecord, Manifest
from rag_coach.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """A corpus file that cannot be ingested, and why (the reason is shown to the user as is)."""

    file: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"file": self.file, "reason": self.reason}


@dataclass
class IngestPlan:
    """What an ingest does, file by file (paths are corpus-relative posix paths, the manifest's keys)."""

    files: dict[str, FileRecord] = field(default_factory=dict)  # the new manifest's files, sorted by path
    fresh: dict[str, list[Chunk]] = field(default_factory=dict)  # chunks of the added and updated files
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # in the old manifest, gone from the corpus
    failed: list[Failure] = field(default_factory=list)  # a file that went bad keeps its old record in ``files``
    rechunk: bool = False  # the chunking settings changed: every file was chunked again

    @property
    def changes_files(self) -> bool:
        """True when the new generation's chunks differ from the old one's."""
        return bool(self.fresh or self.deleted or self.rechunk)

    @property
    def chunk_ids(self) -> list[str]:
        """Every chunk id the new generation holds, in manifest order (by file, then position)."""
        return [cid for record in self.files.values() for cid in record["chunk_ids"]]


def plan_ingest(settings: Settings, registry: Registry, old: Manifest | None) -> IngestPlan:
    """Compare the corpus in ``settings.corpus_dir`` with ``old`` (None: a first ingest or a rebuild)."""
    chunking = settings.chunking.model_dump()
    plan = IngestPlan(rechunk=old is not None and old.chunking != chunking)
    sources, problems = discover(settings.corpus_dir)
    plan.failed = [Failure(e.path, e.problem if not e.field else f"field '{e.field}': {e.problem}") for e in problems]
    files: dict[str, FileRecord] = {}
    for source in sources:
        fingerprint = source.fingerprint()
        before = old.files.get(source.rel) if old else None
        if before and before["fingerprint"] == fingerprint and not plan.rechunk:
            files[source.rel] = before
            plan.unchanged.append(source.rel)
            continue
        try:
            chunks = chunk_document(load_document(source, registry, settings.max_file_bytes), settings.chunking)
        except DocumentError as exc:
            log.warning("skipped %s", exc)
            plan.failed.append(Failure(exc.path, str(exc).split(": ", 1)[-1]))
            if before:  # keep what was stored for a file that has gone bad
                files[source.rel] = before
            continue
        plan.fresh[source.rel] = chunks
        files[source.rel] = {"fingerprint": fingerprint, "doc_id": source.doc_id, "chunk_ids": [c.chunk_id for c in chunks]}
        (plan.updated if before else plan.added).append(source.rel)
    plan.deleted = [rel for rel in (old.files if old else {}) if rel not in files]
    plan.files = dict(sorted(files.items()))
    return plan

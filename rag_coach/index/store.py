"""On-disk index layout, in atomic generations.

``index_dir/CURRENT`` names the live generation folder; each generation holds ``manifest.json``,
``chunks.jsonl`` (the chunk store BM25 is rebuilt from) and ``chroma/`` (the dense store). An ingest
copies the live generation to a temporary folder, changes only the copy, and publishes it with one
atomic rename of ``CURRENT``. A run killed at any moment leaves the previous generation untouched.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag_coach.index.chunking import Chunk

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
COLLECTION = "chunks"
CURRENT = "CURRENT"


class IndexError_(RuntimeError):
    """The index is missing, locked or incompatible; the message says what to run."""


@dataclass
class Manifest:
    embedding_model: str
    dimension: int
    chunking: dict[str, Any]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # rel path -> {fingerprint, doc_id, chunk_ids}
    version: int = MANIFEST_VERSION
    created: float = field(default_factory=time.time)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=1, sort_keys=True)

    @classmethod
    def from_path(cls, path: Path) -> "Manifest":
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def chroma_client(path: Path):
    """A Chroma PersistentClient with telemetry off. Collections are always created without an
    embedding function, so Chroma can never fall back to downloading its default model."""
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def release_chroma(client: Any) -> None:
    """Stop a client's background system so its files are complete on disk and may be copied or removed."""
    from chromadb.api.shared_system_client import SharedSystemClient

    with contextlib.suppress(Exception):
        client._system.stop()
    with contextlib.suppress(Exception):
        SharedSystemClient.clear_system_cache()


class Generation:
    """One immutable published index (or a working copy during ingest)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._client: Any = None

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def chunks_path(self) -> Path:
        return self.path / "chunks.jsonl"

    def manifest(self) -> Manifest:
        return Manifest.from_path(self.manifest_path)

    def load_chunks(self) -> list[Chunk]:
        with self.chunks_path.open(encoding="utf-8") as fh:
            return [Chunk.from_dict(json.loads(line)) for line in fh if line.strip()]

    def write_chunks(self, chunks: list[Chunk]) -> None:
        write_atomic(self.chunks_path, "".join(json.dumps(c.to_dict(), sort_keys=True) + "\n" for c in chunks))

    def collection(self):
        if self._client is None:
            self._client = chroma_client(self.path / "chroma")
        return self._client.get_or_create_collection(
            COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def close(self) -> None:
        if self._client is not None:
            release_chroma(self._client)
            self._client = None


class IndexDir:
    """The folder holding all generations of one index."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def current(self) -> Generation | None:
        pointer = self.path / CURRENT
        if not pointer.is_file():
            return None
        name = pointer.read_text(encoding="utf-8").strip()
        gen = Generation(self.path / name)
        if not gen.manifest_path.is_file() or not gen.chunks_path.is_file():
            raise IndexError_(f"{self.path}: generation {name} is incomplete; run `rag-coach ingest --rebuild`")
        return gen

    def require_current(self) -> Generation:
        gen = self.current()
        if gen is None:
            raise IndexError_(
                f"no index in {self.path}; build it with `rag-coach ingest` (or pass --index DIR / set RAG_COACH_INDEX_DIR)"
            )
        return gen

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        with (self.path / ".lock").open("w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexError_(f"another ingest is running on {self.path}; wait for it to finish") from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def new_working_copy(self, base: Generation | None) -> Generation:
        """A private folder seeded from ``base``; invisible to readers until :meth:`publish`."""
        work = self.path / f".work-{uuid.uuid4().hex[:12]}"
        if base is not None:
            shutil.copytree(base.path, work)
        else:
            work.mkdir(parents=True)
        return Generation(work)

    def publish(self, work: Generation) -> Generation:
        work.close()
        final = self.path / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        os.replace(work.path, final)
        _fsync_dir(self.path)
        write_atomic(self.path / CURRENT, final.name + "\n")
        self.collect_garbage(keep=final.name)
        return Generation(final)

    def collect_garbage(self, keep: str) -> None:
        """Remove abandoned working copies and all but the newest older generation (a running reader may use it)."""
        older = sorted(
            (p for p in self.path.glob("gen-*") if p.is_dir() and p.name != keep), key=lambda p: p.stat().st_mtime
        )
        doomed = [p for p in self.path.glob(".work-*") if p.is_dir()] + older[:-1]
        for path in doomed:
            shutil.rmtree(path, ignore_errors=True)

"""On-disk index layout, in atomic generations.

``index_dir/CURRENT`` names the live generation folder; each generation holds ``manifest.json``,
``chunks.jsonl`` (the chunk store BM25 is rebuilt from) and its vectors: a ``chroma/`` folder, or, with
the ``chroma_url`` setting, one collection per generation on a Chroma server (named in ``vectors.json``,
see :mod:`rag_coach.index.vectors`). An ingest copies the live generation to a temporary folder (and
collection), changes only the copy, and publishes it with one atomic rename of ``CURRENT``. A run killed
at any moment leaves the previous generation untouched; the next ingest removes what it left behind.
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
from typing import Any, TypedDict

from rag_coach.index.chunking import Chunk
from rag_coach.index.errors import IndexError_, write_error
from rag_coach.index.vectors import (
    LOCAL_COLLECTION,
    STORE_FILE,
    VectorStore,
    collection_name,
    copy_records,
    delete_collection,
    http_client,
    local_client,
    open_collection,
    release,
)
from rag_coach.jsonl import read_jsonl

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
COLLECTION = LOCAL_COLLECTION
CURRENT = "CURRENT"
WORK_PREFIX = ".work-"
GEN_PREFIX = "gen-"

__all__ = ["CURRENT", "FileRecord", "Generation", "IndexDir", "IndexError_", "Manifest", "write_atomic"]


class FileRecord(TypedDict):
    """The manifest's record of one corpus file: its content hash and the ids of its chunks, in order."""

    fingerprint: str
    doc_id: str
    chunk_ids: list[str]


@dataclass
class Manifest:
    embedding_model: str
    dimension: int
    chunking: dict[str, Any]
    files: dict[str, FileRecord] = field(default_factory=dict)  # corpus-relative path -> its record
    version: int = MANIFEST_VERSION
    created: float = field(default_factory=time.time)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=1, sort_keys=True)

    def require_model(self, embedding_model: str, index_dir: Path) -> None:
        """Refuse to mix vectors of two embedding models (the index was built with ``self.embedding_model``)."""
        if self.embedding_model != embedding_model:
            raise IndexError_(
                f"the index in {index_dir} was built with embedding model '{self.embedding_model}' "
                f"({self.dimension} dimensions) but the settings ask for '{embedding_model}'; vectors from "
                "different models cannot be mixed: run `rag-coach ingest --rebuild` to re-embed everything, or set "
                f"embedding_model back to '{self.embedding_model}'"
            )

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
    """Write ``text`` to ``path`` so that readers see the old or the new content, never a part."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


class Generation:
    """One immutable published index (or a working copy during ingest)."""

    def __init__(
        self, path: Path, chroma_url: str | None = None, *, writable: bool = False, store: VectorStore | None = None
    ) -> None:
        self.path = path
        self.chroma_url = chroma_url
        self.writable = writable  # a working copy creates its collection; a published one must have it
        self._client: Any = None
        self._store = store  # read from the folder when not given

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def chunks_path(self) -> Path:
        return self.path / "chunks.jsonl"

    @property
    def store(self) -> VectorStore:
        if self._store is None:
            self._store = VectorStore.read(self.path)
        return self._store

    def manifest(self) -> Manifest:
        return Manifest.from_path(self.manifest_path)

    def load_chunks(self) -> list[Chunk]:
        return [Chunk.from_dict(row) for row in read_jsonl(self.chunks_path)]

    def write_chunks(self, chunks: list[Chunk]) -> None:
        write_atomic(self.chunks_path, "".join(json.dumps(c.to_dict(), sort_keys=True) + "\n" for c in chunks))

    def client(self) -> Any:
        """The Chroma client for this generation's vectors (connects on first use)."""
        if self._client is None:
            if not self.store.remote:
                self._client = local_client(self.path / "chroma")
            elif not self.chroma_url:
                raise IndexError_(
                    f"{self.path} keeps its vectors in {self.store.describe()}; set RAG_COACH_CHROMA_URL (or "
                    "chroma_url in the config) to that server, or run `rag-coach ingest --rebuild` without it"
                )
            else:
                self._client = http_client(self.chroma_url)
        return self._client

    def collection(self) -> Any:
        """The Chroma collection holding this generation's vectors (created on first use for a working copy)."""
        client = self.client()
        if not self.store.remote:
            return client.get_or_create_collection(COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"})
        where = f"the Chroma server at {self.chroma_url}"
        return open_collection(client, self.store.collection or "", create=self.writable, where=where)

    def close(self) -> None:
        if self._client is not None:
            release(self._client)
        self._client = None


class IndexDir:
    """The folder holding all generations of one index; ``chroma_url`` puts new generations' vectors on a server."""

    def __init__(self, path: Path, chroma_url: str | None = None) -> None:
        self.path = Path(path)
        self.chroma_url = chroma_url

    def _pointer(self) -> str | None:
        pointer = self.path / CURRENT
        return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None

    def current(self) -> Generation | None:
        name = self._pointer()
        if name is None:
            return None
        gen = Generation(self.path / name, self.chroma_url)
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
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fh = (self.path / ".lock").open("w")
        except OSError as exc:
            error = write_error(exc, self.path)
            if error is None:
                raise
            raise error from exc
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexError_(f"another ingest is running on {self.path}; wait for it to finish") from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def moves_store(self, base: Generation) -> bool:
        """True when ``base`` keeps its vectors elsewhere than new generations would (chroma_url set or unset)."""
        return base.store.remote != bool(self.chroma_url)

    def new_working_copy(self, base: Generation | None) -> Generation:
        """A private folder (and collection) seeded from ``base``; invisible to readers until :meth:`publish`."""
        gen_id = uuid.uuid4().hex[:12]
        store = VectorStore(collection_name(self.path, gen_id)) if self.chroma_url else VectorStore()
        work = Generation(self.path / f"{WORK_PREFIX}{gen_id}", self.chroma_url, writable=True, store=store)
        if store.remote:
            work.client()  # an unreachable server fails here, before anything is written
        try:
            if base is not None and not base.store.remote and not store.remote:
                shutil.copytree(base.path, work.path)  # local to local: the Chroma folder comes along
            else:
                work.path.mkdir(parents=True)
                if store.remote:  # recorded before the collection exists, so clean-up can always find it
                    write_atomic(work.path / STORE_FILE, store.to_json())
                if base is not None:
                    try:
                        copy_records(base.collection(), work.collection())
                    finally:
                        base.close()
        except BaseException:
            self.discard(work)
            raise
        return work

    def publish(self, work: Generation) -> Generation:
        work.close()
        previous = self._pointer()
        final = self.path / f"{GEN_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{work.path.name.removeprefix(WORK_PREFIX)}"
        os.replace(work.path, final)
        try:
            _fsync_dir(self.path)
            write_atomic(self.path / CURRENT, final.name + "\n")
        except BaseException:
            with contextlib.suppress(OSError):
                if self._pointer() != final.name:  # not published: back to a working copy for the caller to discard
                    os.replace(final, work.path)
            raise
        self.collect_garbage(keep={final.name} | ({previous} if previous else set()))
        return Generation(final, self.chroma_url)

    def discard(self, work: Generation) -> None:
        """Remove a failed working copy now (best effort: what stays is removed by the next ingest)."""
        work.close()
        self._remove([work.path])

    def collect_garbage(self, keep: set[str]) -> None:
        """Remove abandoned working copies and every generation but ``keep``: the live one and the one it replaced,
        which a running reader may still use. Decided by the pointer, never by timestamps."""
        doomed = sorted(p for p in self.path.glob(f"{GEN_PREFIX}*") if p.is_dir() and p.name not in keep)
        self._remove(doomed)
        self.remove_abandoned()

    def remove_abandoned(self) -> None:
        """Remove working copies and pointer temp files left by a killed or failed ingest (never a generation)."""
        self._remove(sorted(p for p in self.path.glob(f"{WORK_PREFIX}*") if p.is_dir()))
        for tmp in self.path.glob(f".{CURRENT}.*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _remove(self, paths: list[Path]) -> None:
        client: Any = None
        for path in paths:
            try:
                store = VectorStore.read(path)
            except (OSError, ValueError, KeyError):
                store = VectorStore()  # a copy killed while writing vectors.json never created its collection
            if store.remote:
                if not self.chroma_url:
                    log.warning("kept %s: its vectors are in %s; set RAG_COACH_CHROMA_URL so an ingest can remove both",
                                path, store.describe())
                    continue
                try:
                    client = client or http_client(self.chroma_url)
                    delete_collection(client, store.collection or "")
                except Exception as exc:  # the server is down: keep the folder so a later ingest retries
                    log.warning("kept %s: could not delete %s (%s)", path, store.describe(), exc)
                    continue
            shutil.rmtree(path, ignore_errors=True)
        if client is not None:
            release(client)

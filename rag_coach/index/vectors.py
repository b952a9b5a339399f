"""Where one index generation keeps its vectors: a Chroma folder inside it, or a collection on a Chroma server.

A generation with ``vectors.json`` stores its vectors in the named collection on the server given by the
``chroma_url`` setting; one without it uses its own ``chroma/`` folder. Everything else (pointer, manifest,
chunk store, BM25) always stays in the local index folder. Collections are always created without an
embedding function, so Chroma can never fall back to downloading its default model; telemetry is off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rag_coach.index.errors import IndexError_

log = logging.getLogger(__name__)

LOCAL_COLLECTION = "chunks"
STORE_FILE = "vectors.json"
COPY_BATCH = 1000


class VectorStoreError(IndexError_):
    """The Chroma server cannot be reached or does not hold what the index needs; the message says what to do."""


@dataclass(frozen=True)
class VectorStore:
    """``collection`` is None for the generation's own ``chroma/`` folder, else a collection on the Chroma server."""

    collection: str | None = None

    @property
    def remote(self) -> bool:
        return self.collection is not None

    @classmethod
    def read(cls, generation: Path) -> "VectorStore":
        path = generation / STORE_FILE
        if not path.is_file():
            return cls()
        return cls(json.loads(path.read_text(encoding="utf-8"))["collection"])

    def to_json(self) -> str:
        return json.dumps({"backend": "chroma-http", "collection": self.collection}, indent=1)

    def describe(self) -> str:
        return f"collection {self.collection} on the Chroma server" if self.remote else "the local Chroma folder"


def collection_name(index_dir: Path, generation_id: str) -> str:
    """A Chroma collection name for one generation: readable index folder name + path hash + generation id."""
    resolved = str(Path(index_dir).resolve())
    slug = re.sub(r"[^A-Za-z0-9]+", "-", Path(resolved).name).strip("-")[:40] or "index"
    digest = hashlib.sha1(resolved.encode("utf-8")).hexdigest()[:8]
    return f"rc-{slug}-{digest}-{generation_id}"


def _chroma_settings() -> Any:
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def local_client(path: Path) -> Any:
    """A Chroma PersistentClient on ``path`` with telemetry off."""
    settings = _chroma_settings()
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=settings)


def parse_chroma_url(url: str) -> tuple[str, int, bool]:
    """``http://host:port`` → (host, port, ssl). The port defaults to 8000 (http) or 443 (https)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise VectorStoreError(
            f"chroma_url {url!r} is not a server address; use a form like http://127.0.0.1:8000 (env RAG_COACH_CHROMA_URL)"
        )
    try:
        port = parts.port
    except ValueError:
        raise VectorStoreError(f"chroma_url {url!r} has an invalid port; use a form like http://127.0.0.1:8000") from None
    ssl = parts.scheme == "https"
    return parts.hostname, port or (443 if ssl else 8000), ssl


def http_client(url: str) -> Any:
    """A Chroma HttpClient for ``url`` with telemetry off; an unreachable server is one clear error."""
    host, port, ssl = parse_chroma_url(url)
    settings = _chroma_settings()
    import chromadb

    try:
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
    except Exception as exc:  # chromadb raises ValueError/ConnectionError variants depending on the failure
        raise VectorStoreError(
            f"cannot reach the Chroma server at {url} ({exc}); start it (e.g. `chroma run --path DIR --host 0.0.0.0 "
            "--port 8000`) or unset RAG_COACH_CHROMA_URL to keep vectors in the local index folder"
        ) from None


def release(client: Any) -> None:
    """Close a client. Chroma counts the clients of one folder and stops their system (so its files are
    complete on disk and may be copied or removed) when the last one closes; other readers keep working."""
    with contextlib.suppress(Exception):
        client.close()  # chromadb >= 1.4


def open_collection(client: Any, name: str, create: bool, where: str) -> Any:
    """The named collection; ``create`` makes it (cosine space, no embedding function) when missing."""
    if create:
        return client.get_or_create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})
    from chromadb.errors import NotFoundError

    try:
        return client.get_collection(name, embedding_function=None)
    except NotFoundError:
        raise VectorStoreError(
            f"{where} has no collection {name}; the index and the server are out of step: run `rag-coach ingest --rebuild`"
        ) from None


def delete_collection(client: Any, name: str) -> None:
    """Delete a collection; one that does not exist (a run killed before creating it) counts as deleted."""
    from chromadb.errors import NotFoundError

    with contextlib.suppress(NotFoundError):
        client.delete_collection(name)


def copy_records(source: Any, target: Any, batch: int | None = None) -> int:
    """Copy every record (id, embedding, document, metadata) from ``source`` into ``target`` in batches
    (default :data:`COPY_BATCH`)."""
    batch = batch or COPY_BATCH
    ids = list(source.get(include=[])["ids"])
    for start in range(0, len(ids), batch):
        got = source.get(ids=ids[start : start + batch], include=["embeddings", "documents", "metadatas"])
        documents = got.get("documents")
        if documents is not None and any(d is None for d in documents):
            documents = None  # generated benchmark corpora store vectors without documents
        target.add(ids=got["ids"], embeddings=got["embeddings"], documents=documents, metadatas=got.get("metadatas"))
    log.info("copied %d vector records into %s", len(ids), getattr(target, "name", "the new collection"))
    return len(ids)

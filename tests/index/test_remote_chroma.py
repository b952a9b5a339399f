"""The index with its vectors on a real Chroma server (`chroma run` from the chromadb package, on 127.0.0.1).

Generations stay atomic: one collection per generation, the pointer, manifest, chunks and BM25 stay local;
publishing swaps the pointer and garbage collection deletes replaced collections. Retrieval in every mode
must give exactly what the same corpus gives from a local-disk index.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from chromadb.api.models.Collection import Collection
from chromadb.errors import InternalError
from pydantic import ValidationError

from rag_coach.index.errors import IndexError_, IndexWriteError
from rag_coach.index.ingest import ingest
from rag_coach.index.store import IndexDir
from rag_coach.index import vectors
from rag_coach.index.vectors import VectorStore, collection_name, http_client
from rag_coach.retrieval.retriever import Retriever
from rag_coach.settings import Settings, load_settings
from tests.conftest import write_mini_corpus
from tests.index.helpers import (
    assert_same_results,
    change_corpus,
    expected_chunk_ids,
    index_state,
    labelled_hits,
    run_ingest,
    save_vectors,
    snapshot,
    take_snapshot,
)

CHROMA = Path(sys.executable).with_name("chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMA.is_file() and shutil.which("chroma") is None:
        pytest.skip(f"the `chroma` CLI of the chromadb package is missing ({CHROMA}); reinstall chromadb")
    exe = str(CHROMA) if CHROMA.is_file() else str(shutil.which("chroma"))
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("w")
    proc = subprocess.Popen([exe, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"chroma server did not start: {(data / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def server_collections(url: str, index_dir: Path) -> set[str]:
    """Names of the collections on the server that belong to ``index_dir``."""
    prefix = collection_name(index_dir, "")
    return {c.name for c in http_client(url).list_collections() if c.name.startswith(prefix)}


def referenced(index_dir: Path) -> set[str]:
    """Collections named by the generation folders in ``index_dir``."""
    return {name for p in index_dir.glob("gen-*") if (name := VectorStore.read(p).collection)}


@pytest.fixture()
def pair(tmp_path: Path, chroma_url: str) -> tuple[Settings, Settings]:
    """Two indexes of two identical corpora: one local-disk, one with its vectors on the server."""
    local = load_settings(corpus_dir=write_mini_corpus(tmp_path / "c1"), index_dir=tmp_path / "local",
                          data_dir=tmp_path / "d")
    remote = load_settings(corpus_dir=write_mini_corpus(tmp_path / "c2"), index_dir=tmp_path / "remote",
                           data_dir=tmp_path / "d", chroma_url=chroma_url)
    return local, remote


def test_remote_index_matches_local_through_incremental_ingests(pair, memo_embedder, monkeypatch) -> None:
    local, remote = pair
    monkeypatch.setattr(vectors, "COPY_BATCH", 4)  # copying a generation's records takes several batches
    for s in (local, remote):
        ingest(s, embedder=memo_embedder)
    assert not (next(remote.index_dir.glob("gen-*")) / "chroma").exists()  # no vectors on local disk
    assert server_collections(remote.chroma_url, remote.index_dir) == referenced(remote.index_dir) != set()
    assert_same_results(take_snapshot(remote, memo_embedder), take_snapshot(local, memo_embedder), tol=1e-5)

    reader = Retriever(remote, embedder=memo_embedder)  # a running app on the first generation
    first = snapshot(reader)
    for s in (local, remote):
        change_corpus(s.corpus_dir)
    local_report, remote_report = (ingest(s, embedder=memo_embedder) for s in (local, remote))
    summary = [(r.added, r.updated, r.deleted, r.embedded, r.chunks) for r in (local_report, remote_report)]
    expected = expected_chunk_ids(remote)
    assert summary[0] == summary[1] and summary[1][:3] == (3, 1, 1) and summary[1][4] == len(expected)
    assert remote_report.embedded < remote_report.chunks  # unchanged vectors were copied on the server
    assert index_state(remote) == (expected, expected)
    assert_same_results(take_snapshot(remote, memo_embedder), take_snapshot(local, memo_embedder), tol=1e-5)
    evaluated = Retriever(remote, embedder=memo_embedder)
    assert all(labelled_hits(evaluated).values()), labelled_hits(evaluated)
    evaluated.close()
    assert len(server_collections(remote.chroma_url, remote.index_dir)) == 2  # the replaced one is kept for readers
    assert_same_results(snapshot(reader), first)
    reader.close()

    google = remote.corpus_dir / "companies/google.md"
    google.write_text(google.read_text().replace("Lunch with a future peer", "Lunch with a teammate"))
    assert ingest(remote, embedder=memo_embedder).updated == 1
    assert server_collections(remote.chroma_url, remote.index_dir) == referenced(remote.index_dir)
    assert len(referenced(remote.index_dir)) == 2  # the oldest generation's collection was deleted

    live = IndexDir(remote.index_dir, remote.chroma_url).require_current()
    http_client(str(remote.chroma_url)).delete_collection(str(live.store.collection))
    with pytest.raises(IndexError_, match="out of step: run `rag-coach ingest --rebuild`"):
        Retriever(remote, embedder=memo_embedder)


def test_switching_to_the_server_moves_vectors_without_reembedding(pair, memo_embedder) -> None:
    local, remote = pair
    ingest(local, embedder=memo_embedder)
    before = take_snapshot(local, memo_embedder)
    moved = local.model_copy(update={"chroma_url": remote.chroma_url})
    report = ingest(moved, embedder=memo_embedder)
    assert (report.added, report.updated, report.deleted, report.embedded) == (0, 0, 0, 0)
    gen = IndexDir(moved.index_dir, moved.chroma_url).require_current()
    assert gen.store.remote and not (gen.path / "chroma").exists()
    assert_same_results(take_snapshot(moved, memo_embedder), before, tol=1e-6)
    with pytest.raises(IndexError_, match="RAG_COACH_CHROMA_URL"):
        Retriever(local, embedder=memo_embedder)  # the live generation is on the server: readers need the URL


def test_unreachable_server_is_one_clear_error(settings: Settings, memo_embedder) -> None:
    dead = settings.model_copy(update={"chroma_url": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(IndexError_, match="cannot reach the Chroma server at http://127.0.0.1"):
        ingest(dead, embedder=memo_embedder)
    assert not list(settings.index_dir.glob(".work-*"))


def _raise(exc: Exception):
    def upsert(self, *args, **kwargs):
        raise exc

    return upsert


SERVER_FAILURES = {  # injected on Collection.upsert; the texts are what chromadb 1.5 raises (checked by hand)
    "server disk full": (InternalError("error returned from database: (code: 13) database or disk is full"),
                         "is out of disk space; free disk space on the server"),
    "server read-only": (InternalError("error returned from database: (code: 8) attempt to write a readonly database"),
                         "make it writable on the server"),
    "server gone": (httpx.ConnectError("[Errno 111] Connection refused"), "lost the connection to the Chroma server"),
}


@pytest.mark.parametrize("case", SERVER_FAILURES)
def test_server_failure_during_ingest_is_clear_and_leaves_nothing(case: str, pair, memo_embedder, monkeypatch) -> None:
    _, remote = pair
    ingest(remote, embedder=memo_embedder)
    before = take_snapshot(remote, memo_embedder)
    change_corpus(remote.corpus_dir)
    exc, advice = SERVER_FAILURES[case]
    with monkeypatch.context() as mp:
        mp.setattr(Collection, "upsert", _raise(exc))
        with pytest.raises(IndexWriteError) as raised:
            ingest(remote, embedder=memo_embedder)
    assert advice in str(raised.value) and str(remote.chroma_url) in str(raised.value)
    assert "previous index is unchanged" in str(raised.value)
    assert_same_results(take_snapshot(remote, memo_embedder), before, tol=0)
    assert server_collections(remote.chroma_url, remote.index_dir) == referenced(remote.index_dir)  # copy deleted
    assert not list(remote.index_dir.glob(".work-*"))
    assert ingest(remote, embedder=memo_embedder).added == 3


@pytest.mark.slow
def test_sigkill_while_writing_to_the_server_then_recover(pair, memo_embedder, tmp_path: Path) -> None:
    _, remote = pair
    ingest(remote, embedder=memo_embedder)
    before = take_snapshot(remote, memo_embedder)
    change_corpus(remote.corpus_dir)
    replay = save_vectors(tmp_path / "vectors.npz", remote, memo_embedder)  # the killed run replays them
    killed = run_ingest(remote, "upsert:after-first-batch", replay, RAG_COACH_EMBEDDING_BATCH_SIZE="1")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    orphans = server_collections(remote.chroma_url, remote.index_dir) - referenced(remote.index_dir)
    assert len(orphans) == 1  # the killed run's half-written collection
    assert_same_results(take_snapshot(remote, memo_embedder), before, tol=0)

    report = ingest(remote, embedder=memo_embedder)
    assert (report.added, report.updated, report.deleted) == (3, 1, 1)
    expected = expected_chunk_ids(remote)
    assert index_state(remote) == (expected, expected)
    assert server_collections(remote.chroma_url, remote.index_dir) == referenced(remote.index_dir)
    assert not list(remote.index_dir.glob(".work-*"))


def test_chroma_url_comes_from_env_or_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_COACH_CHROMA_URL", raising=False)
    monkeypatch.delenv("RAG_COACH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert load_settings().chroma_url is None
    config = tmp_path / "conf.yaml"
    config.write_text("chroma_url: http://chroma.internal:8000\n")
    assert load_settings(config).chroma_url == "http://chroma.internal:8000"
    monkeypatch.setenv("RAG_COACH_CHROMA_URL", "https://10.0.0.5:9000")
    assert load_settings(config).chroma_url == "https://10.0.0.5:9000"
    monkeypatch.setenv("RAG_COACH_CHROMA_URL", "chroma.internal:8000")
    with pytest.raises(ValidationError, match="chroma_url"):
        load_settings()

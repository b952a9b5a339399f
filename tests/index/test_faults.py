"""SIGKILL a real ingest at many points and check the index survives.

Each case runs `rag-coach ingest` in a subprocess through ``tests/index/ingest_driver.py``, which wraps one
production function (Chroma's upsert/delete, ``Generation.write_chunks``, ``os.replace`` as used by
``write_atomic`` and ``IndexDir.publish``, ...) so the process SIGKILLs itself before or after it. The ingest
adds three documents, updates one and deletes one, so it both writes and removes vectors. After the kill:

* a reader opened before the run answers exactly as before, and so does a fresh reader while the pointer
  has not moved (a kill after the pointer moved leaves the complete new generation live);
* the next ingest ends with exactly the chunk ids the production chunker gives for the corpus, once each,
  in both chunks.jsonl and Chroma, answers like a clean build, and leaves no working copy behind;
* the generation it replaced is kept, so the reader from before still answers.
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from rag_coach.index.ingest import ingest
from rag_coach.index.store import CURRENT, IndexDir
from rag_coach.retrieval.retriever import Retriever
from rag_coach.settings import Settings, load_settings
from tests.conftest import write_mini_corpus
from tests.index.helpers import (
    assert_same_results,
    change_corpus,
    expected_chunk_ids,
    index_state,
    run_ingest,
    save_vectors,
    snapshot,
    take_snapshot,
)
from tests.index.ingest_driver import AFTER_SWAP, POINTS

KILL_POINTS = [p for p in POINTS if p != "none" and not p.startswith("fail:")]


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory: pytest.TempPathFactory, memo_embedder) -> tuple[dict, Path]:
    """Results of a clean ingest of the changed corpus (what every recovered index must answer), and the real
    model's vectors for its chunks, which the killed runs replay instead of loading the model each time."""
    tmp = tmp_path_factory.mktemp("clean")
    corpus = write_mini_corpus(tmp / "corpus")
    change_corpus(corpus)
    settings = load_settings(corpus_dir=corpus, index_dir=tmp / "index", data_dir=tmp / "data")
    ingest(settings, embedder=memo_embedder)
    return take_snapshot(settings, memo_embedder), save_vectors(tmp / "vectors.npz", settings, memo_embedder)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory, memo_embedder) -> Path:
    """An index of the unchanged mini corpus, built once; each case starts from a copy of it."""
    tmp = tmp_path_factory.mktemp("baseline")
    settings = load_settings(corpus_dir=write_mini_corpus(tmp / "corpus"), index_dir=tmp / "index", data_dir=tmp / "data")
    ingest(settings, embedder=memo_embedder)
    return settings.index_dir


def leftovers(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.index_dir.iterdir() if p.name.startswith(".work-") or p.name.endswith(".tmp"))


@pytest.mark.slow
@pytest.mark.parametrize("point", KILL_POINTS)
def test_sigkill_leaves_previous_index_and_next_ingest_recovers(
    point: str, settings: Settings, memo_embedder, clean_build: tuple[dict, Path], baseline: Path
) -> None:
    reference, vectors = clean_build
    shutil.copytree(baseline, settings.index_dir)
    reader = Retriever(settings, embedder=memo_embedder)  # a running app on the previous generation
    before = snapshot(reader)
    pointer = (settings.index_dir / CURRENT).read_text()
    change_corpus(settings.corpus_dir)
    expected = expected_chunk_ids(settings)
    assert len(set(expected)) == len(expected)

    # Embedding batches of one chunk: the upserts come in several batches, so a kill can fall between them.
    killed = run_ingest(settings, point, vectors, RAG_COACH_EMBEDDING_BATCH_SIZE="1")
    assert killed.returncode == -signal.SIGKILL, f"{point} never reached (exit {killed.returncode}): {killed.stderr[-3000:]}"

    assert_same_results(snapshot(reader), before)
    swapped = point in AFTER_SWAP
    assert ((settings.index_dir / CURRENT).read_text() != pointer) is swapped
    if swapped:
        assert index_state(settings) == (expected, expected)  # the new generation is complete
    else:
        assert_same_results(take_snapshot(settings, memo_embedder), before)

    report = ingest(settings, embedder=memo_embedder)
    assert (report.added, report.updated, report.deleted) == ((0, 0, 0) if swapped else (3, 1, 1))
    assert report.chunks == len(expected)
    assert index_state(settings) == (expected, expected)  # every id exactly once, in both stores
    assert_same_results(take_snapshot(settings, memo_embedder), reference)
    assert leftovers(settings) == []
    generations = sorted(p.name for p in settings.index_dir.glob("gen-*"))
    live = IndexDir(settings.index_dir).require_current().path.name
    assert len(generations) == 2 and live in generations and pointer.strip() in generations
    assert_same_results(snapshot(reader), before)  # the replaced generation is kept for running readers
    reader.close()

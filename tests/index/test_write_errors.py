"""Disk full and read-only index folders during ingest.

The tests run as root, where chmod does not stop writes, so the failures are injected with monkeypatch at
the layer that writes: ``os.fsync`` on the index's files, ``shutil.copytree`` copying the live generation,
the lock file's ``open`` and Chroma's upsert (SQLite inside Chroma reports a full disk as text, not OSError).
Everything else is real: the embedding model, Chroma on disk, BM25, the CLI in a subprocess.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from chromadb.api.models.Collection import Collection
from chromadb.errors import InternalError

from rag_coach.index.errors import IndexWriteError
from rag_coach.index.ingest import ingest
from rag_coach.settings import Settings
from tests.index.helpers import change_corpus, expected_chunk_ids, index_state, run_ingest, take_snapshot
from tests.index.ingest_driver import failing_copytree, raise_oserror, read_only_lock

FREE = "free disk space"
WRITABLE = "make it writable"
CHROMA_FULL = "Query error: Database error: error returned from database: (code: 13) database or disk is full"
CHROMA_READ_ONLY = "error returned from database: (code: 8) attempt to write a readonly database"


def fsync_fails_for(name_prefix: str, code: int, real_fsync=os.fsync):
    """``os.fsync`` failing with ``code`` for files whose name starts with ``name_prefix`` (write_atomic's temp files)."""

    def fsync(fd: int) -> None:
        if Path(os.readlink(f"/proc/self/fd/{fd}")).name.startswith(name_prefix):
            raise OSError(code, os.strerror(code))
        real_fsync(fd)

    return fsync


def chroma_fails(message: str):
    """Chroma's upsert raising what chromadb 1.5 raised on a real full / read-only tmpfs (checked by hand;
    the tests cannot mount one)."""

    def upsert(self, *args, **kwargs):
        raise InternalError(message)

    return upsert


CASES = {
    "disk full writing chunks": (lambda mp: mp.setattr(os, "fsync", fsync_fails_for(".chunks.jsonl", errno.ENOSPC)), FREE),
    "disk full copying the index": (
        lambda mp: mp.setattr(shutil, "copytree", failing_copytree(shutil.copytree, raise_oserror(errno.ENOSPC), 1)), FREE
    ),
    "disk full inside Chroma": (lambda mp: mp.setattr(Collection, "upsert", chroma_fails(CHROMA_FULL)), FREE),
    "read-only inside Chroma": (lambda mp: mp.setattr(Collection, "upsert", chroma_fails(CHROMA_READ_ONLY)), WRITABLE),
    "read-only writing the manifest": (
        lambda mp: mp.setattr(os, "fsync", fsync_fails_for(".manifest.json", errno.EROFS)), WRITABLE
    ),
    "read-only index folder": (lambda mp: mp.setattr(Path, "open", read_only_lock(Path.open)), WRITABLE),
    "disk full writing the pointer": (lambda mp: mp.setattr(os, "fsync", fsync_fails_for(".CURRENT", errno.ENOSPC)), FREE),
}


@pytest.mark.parametrize("case", CASES)
def test_write_failure_is_clear_and_keeps_the_previous_index(
    case: str, settings: Settings, memo_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    inject, advice = CASES[case]
    ingest(settings, embedder=memo_embedder)
    before_state, before = index_state(settings), take_snapshot(settings, memo_embedder)
    pointer = (settings.index_dir / "CURRENT").read_text()
    change_corpus(settings.corpus_dir)

    with monkeypatch.context() as mp:
        inject(mp)
        with pytest.raises(IndexWriteError) as raised:
            ingest(settings, embedder=memo_embedder)
    message = str(raised.value)
    assert str(settings.index_dir) in message and advice in message and "previous index is unchanged" in message
    assert (settings.index_dir / "CURRENT").read_text() == pointer
    assert index_state(settings) == before_state
    assert take_snapshot(settings, memo_embedder) == before
    assert not list(settings.index_dir.glob(".work-*"))  # the failed copy was removed at once (frees the space)
    assert len(list(settings.index_dir.glob("gen-*"))) == 1 and not list(settings.index_dir.glob(".*.tmp"))

    report = ingest(settings, embedder=memo_embedder)
    assert (report.added, report.updated, report.deleted) == (3, 1, 1)
    expected = expected_chunk_ids(settings)
    assert index_state(settings) == (expected, expected)


def test_leftover_copy_that_could_not_be_removed_is_ignored_then_cleaned(
    settings: Settings, memo_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a read-only disk even removing the failed copy fails: readers ignore it, the next ingest removes it."""
    ingest(settings, embedder=memo_embedder)
    before = take_snapshot(settings, memo_embedder)
    change_corpus(settings.corpus_dir)
    with monkeypatch.context() as mp:
        mp.setattr(os, "fsync", fsync_fails_for(".chunks.jsonl", errno.EROFS))
        mp.setattr(shutil, "rmtree", lambda *a, **k: None)  # removal fails silently, as rmtree(ignore_errors) does
        with pytest.raises(IndexWriteError, match=WRITABLE):
            ingest(settings, embedder=memo_embedder)
    assert len(list(settings.index_dir.glob(".work-*"))) == 1
    assert take_snapshot(settings, memo_embedder) == before
    report = ingest(settings, embedder=memo_embedder)
    assert report.added == 3
    assert not list(settings.index_dir.glob(".work-*"))


@pytest.mark.slow
@pytest.mark.parametrize(("point", "advice"), [("fail:enospc-copy", FREE), ("fail:erofs-lock", WRITABLE)])
def test_cli_reports_one_line_and_exit_1(point: str, advice: str, settings: Settings, memo_embedder) -> None:
    ingest(settings, embedder=memo_embedder)
    before = take_snapshot(settings, memo_embedder)
    change_corpus(settings.corpus_dir)
    out = run_ingest(settings, point)
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0] == out.stderr.strip().splitlines()[-1]
    assert "cannot write the index in" in errors[0] and str(settings.index_dir) in errors[0] and advice in errors[0]
    assert take_snapshot(settings, memo_embedder) == before

"""The progress database survives SIGKILL mid-write and recovers from a damaged file without deleting it."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rag_coach.progress.store import DB_FILE, ProgressError, ProgressStore

from .helpers import at, feedback, question

REPO = Path(__file__).resolve().parents[2]


def _run_until_killed(db: Path, start: int, delay_s: float) -> list[int]:
    """Start the writer, SIGKILL it ``delay_s`` after its first acknowledgement; return the acknowledged seqs."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.progress.crash_writer", str(db), str(start)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acked: list[int] = []
    first = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.endswith("\n"):
                acked.append(int(line))
                first.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not first.wait(timeout=120):
            raise AssertionError(f"writer never acknowledged a record: {proc.stderr.read() if proc.poll() is not None else ''}")
        time.sleep(delay_s)
        assert proc.poll() is None, f"writer died by itself: {proc.stderr.read()}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=60)
        reader.join(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return acked


def _check_rows(db: Path) -> int:
    """integrity_check passes and every row is complete; the rows are exactly seq 0..N-1. Returns N."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = conn.execute("SELECT id, question_id, overall, dimensions, mistake_ids, feedback, hints_used FROM attempts "
                            "ORDER BY id").fetchall()
    finally:
        conn.close()
    seqs = []
    for _, question_id, overall, dims, mistakes, fb_text, hints in rows:
        fb = json.loads(fb_text)
        seq = fb["delivery"]["seq"]
        assert question_id == f"q.general.graphs.s{seq}"
        assert overall == 1 + seq % 4 and hints == seq % 3
        assert json.loads(dims) == feedback(int(overall)).scores() and fb["overall"] == overall
        assert json.loads(mistakes) == [f"mistake.graphs.m{seq % 7}"]
        assert fb["delivery"]["padding"] == "x" * (seq % 5000)
        seqs.append(seq)
    assert seqs == list(range(len(seqs))), "a gap or a duplicate in the recorded attempts"
    return len(seqs)


@pytest.mark.slow
def test_sigkill_mid_write_loses_at_most_the_attempt_in_flight(tmp_path: Path) -> None:
    db = tmp_path / DB_FILE
    rng = random.Random(8)  # fixed seed: the kill delays are the same on every run
    stored = 0
    for _ in range(5):
        acked = _run_until_killed(db, stored, rng.uniform(0.05, 0.8))
        assert acked == list(range(stored, stored + len(acked)))
        count = _check_rows(db)
        # every acknowledged attempt is there; the one in flight may or may not have been committed
        assert stored + len(acked) <= count <= stored + len(acked) + 1, (stored, len(acked), count)
        stored = count
    assert stored > 5
    history = ProgressStore(db).history("crash")  # still usable afterwards
    assert len(history) == stored and max(a.delivery["seq"] for a in history) == stored - 1


def _healthy_db(path: Path, n: int = 120) -> None:
    store = ProgressStore(path)
    for k in range(n):
        store.record("alice", question(f"h{k}", "trees"), feedback(1 + k % 4), at(k), at(k, 5),
                     delivery={"note": "y" * 300})


def _garbage(path: Path) -> None:
    path.write_bytes(random.Random(1).randbytes(8192))


def _truncated(path: Path) -> None:
    _healthy_db(path)
    data = path.read_bytes()
    assert len(data) > 8 * 4096, "the healthy database should span many pages"
    path.write_bytes(data[: len(data) // 2 + 100])


def _truncated_in_header(path: Path) -> None:
    _healthy_db(path, n=3)
    path.write_bytes(path.read_bytes()[:60])


def _not_sqlite(path: Path) -> None:
    path.write_text(json.dumps({"profile": "alice", "attempts": []}), encoding="utf-8")


def _sqlite_header_then_garbage(path: Path) -> None:
    _healthy_db(path)
    data = bytearray(path.read_bytes())
    data[4096:] = random.Random(2).randbytes(len(data) - 4096)  # header page intact, every other page scrambled
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _truncated, _truncated_in_header, _not_sqlite, _sqlite_header_then_garbage],
                         ids=["garbage", "truncated", "truncated-header", "not-sqlite", "scrambled-pages"])
def test_damaged_database_is_moved_aside_and_a_fresh_one_started(
    tmp_path: Path, damage, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    path = data_dir / DB_FILE
    damage(path)
    damaged_bytes = path.read_bytes()
    (data_dir / "notes.txt").write_text("keep me")
    (data_dir / "models").mkdir()

    store = ProgressStore.in_data_dir(data_dir)
    with caplog.at_level(logging.WARNING, logger="rag_coach.progress"):
        assert store.history("alice") == []  # a fresh, empty history instead of an exception

    moved = store.recovered_from
    assert moved is not None and moved.parent == data_dir
    assert moved.name.startswith(f"{DB_FILE}.corrupt-")
    assert moved.read_bytes() == damaged_bytes  # moved, byte for byte: nothing deleted
    assert str(moved) in (store.notice or "") and "damaged" in (store.notice or "")
    assert any(r.levelno == logging.WARNING and str(moved) in r.getMessage() for r in caplog.records)
    assert (data_dir / "notes.txt").read_text() == "keep me" and (data_dir / "models").is_dir()
    assert {p.name for p in data_dir.iterdir()} <= {DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", moved.name,
                                                    "notes.txt", "models"}

    store.record("alice", question("a", "graphs"), feedback(3), at(1), at(1, 5))  # the fresh database works
    assert [a.overall for a in ProgressStore(path).history("alice")] == [3]
    assert ProgressStore(path).recovered_from is None  # and is not moved aside again


def test_stale_wal_and_shm_move_aside_with_the_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / DB_FILE
    _garbage(path)
    Path(f"{path}-wal").write_bytes(b"old wal")
    Path(f"{path}-shm").write_bytes(b"old shm")
    store = ProgressStore(path)
    assert store.profiles() == []
    moved = store.recovered_from
    assert moved is not None
    assert Path(f"{moved}-wal").read_bytes() == b"old wal" and Path(f"{moved}-shm").read_bytes() == b"old shm"


def test_healthy_and_empty_files_are_kept(tmp_path: Path) -> None:
    path = tmp_path / DB_FILE
    _healthy_db(path, n=3)
    store = ProgressStore(path)
    assert len(store.history("alice")) == 3
    assert store.recovered_from is None and store.notice is None
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")  # a zero-byte file is a valid, empty SQLite database: nothing to recover
    assert ProgressStore(empty).history("alice") == [] and not list(tmp_path.glob("empty.sqlite.corrupt-*"))


def test_a_path_that_cannot_be_opened_is_an_error_not_a_recovery(tmp_path: Path) -> None:
    path = tmp_path / DB_FILE
    path.mkdir()  # a folder where the database should be: not damage, so nothing is moved
    with pytest.raises(ProgressError, match="not a usable progress database"):
        ProgressStore(path).history("alice")
    assert path.is_dir() and list(tmp_path.iterdir()) == [path]

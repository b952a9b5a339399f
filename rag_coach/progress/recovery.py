"""Recognising a damaged SQLite file and moving it aside (never deleting it) so a fresh one can start."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
from pathlib import Path

logger = logging.getLogger(__name__)

SIDECARS = ("-wal", "-shm", "-journal")  # SQLite's own files next to a database
SQLITE_HEADER = b"SQLite format 3\x00"
_DAMAGE_CODES = {getattr(sqlite3, "SQLITE_CORRUPT", 11), getattr(sqlite3, "SQLITE_NOTADB", 26)}


class DamagedDatabase(Exception):
    """The database file is corrupt or not SQLite at all."""


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """True for 'file is not a database' and 'database disk image is malformed' (not for locks or permissions)."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _DAMAGE_CODES


def check_header(path: Path) -> None:
    """Raise :class:`DamagedDatabase` when ``path`` is not empty and does not start like an SQLite file.

    Checked before SQLite opens the file: SQLite would otherwise treat a stale ``-wal`` next to a garbage
    file as its own and delete it on close.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER) + 84)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return  # a new database, or a problem SQLite reports in its own words
    if head and not head.startswith(SQLITE_HEADER):
        raise DamagedDatabase("not an SQLite database: the file does not start with the SQLite header")
    if head and len(head) < 100:
        raise DamagedDatabase("truncated inside the 100-byte SQLite header")


def check_integrity(conn: sqlite3.Connection) -> None:
    """``PRAGMA quick_check``; raises :class:`DamagedDatabase` with its first findings unless it says ok."""
    try:
        problems = [str(row[0]) for row in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise DamagedDatabase(str(exc)) from exc
        raise
    if problems != ["ok"]:
        raise DamagedDatabase("; ".join(problems[:3]))


def file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of ``path``, or None when it does not exist: tells whether someone replaced the file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def move_aside(path: Path, reason: str) -> Path:
    """Rename ``path`` (and its -wal/-shm/-journal files) to ``<name>.corrupt-<UTC time>``; returns the new path."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists() or any(Path(f"{target}{s}").exists() for s in SIDECARS):
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    for suffix in SIDECARS:  # a stale WAL or journal must never be replayed into the fresh database
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{target}{suffix}"))
    logger.warning("progress database %s is damaged (%s); moved it aside to %s and started a fresh one",
                   path, reason, target)
    return target

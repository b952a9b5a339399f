"""Finished mock interviews in a local SQLite file (``<data_dir>/progress.sqlite``), kept per profile.

Every method opens its own short-lived connection, so one :class:`ProgressStore` may be shared by
several threads (UI sessions, the CLI); writes are additionally serialised by a lock and the
database runs in WAL mode so readers never block the writer.

Durability: each attempt is one INSERT in one transaction, with ``synchronous = FULL`` (the WAL is
synced at every commit), so a crash, SIGKILL or power cut loses at most the attempt being written.
A damaged file (garbage, truncated, not SQLite) is found when the store is first used; it is moved
aside to ``<name>.corrupt-<UTC time>`` (with its ``-wal``/``-shm``/``-journal`` files), a warning is
logged, :attr:`ProgressStore.notice` says what happened, and a fresh database is started. Nothing is
deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rag_coach.documents.models import Question
from rag_coach.interview.feedback import Feedback
from rag_coach.progress.models import Attempt, ProgressError, TopicStat, rank_weakest, stored_feedback, utc_iso
from rag_coach.progress.recovery import DamagedDatabase, check_header, check_integrity, file_id, is_damage, move_aside

logger = logging.getLogger(__name__)

DB_FILE = "progress.sqlite"
SCHEMA_VERSION = 1
DEFAULT_PROFILE = "default"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile TEXT NOT NULL,
    question_id TEXT NOT NULL,
    company TEXT NOT NULL,
    round TEXT NOT NULL,
    topic TEXT NOT NULL,
    difficulty TEXT NOT NULL,
    overall REAL NOT NULL CHECK (overall BETWEEN 1 AND 4),
    dimensions TEXT NOT NULL,
    hints_used INTEGER NOT NULL DEFAULT 0,
    time_used_s REAL NOT NULL DEFAULT 0,
    mistake_ids TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    feedback TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_profile ON attempts (profile, finished_at);
"""


class ProgressStore:
    """History of finished mock interviews. ``path`` is the SQLite file; it is created on first use."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._write_lock = threading.Lock()
        self._init_lock = threading.Lock()
        self._ready = False
        self.recovered_from: Path | None = None  # where a damaged database was moved aside, if it was

    @property
    def notice(self) -> str | None:
        """A sentence for the UI/CLI when a damaged database was replaced by a fresh one, else None."""
        if self.recovered_from is None:
            return None
        return (
            f"Your progress database {self.path} was damaged and could not be read. It was moved aside to "
            f"{self.recovered_from} (nothing was deleted) and a fresh, empty history was started."
        )

    @classmethod
    def in_data_dir(cls, data_dir: Path | str) -> ProgressStore:
        """The store at ``<data_dir>/progress.sqlite`` (``Settings.data_dir``)."""
        return cls(Path(data_dir) / DB_FILE)

    # -- connections -------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA synchronous = FULL")
        except BaseException:
            conn.close()
            raise
        return conn

    def _ensure_schema(self) -> None:
        if self._ready:
            return
        with self._init_lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for attempt in range(3):
                before = file_id(self.path)
                try:
                    self._init_db()
                    break
                except DamagedDatabase as exc:
                    replaced = file_id(self.path) != before  # another process moved it aside already: look again
                    if attempt == 2 or (self.recovered_from is not None and not replaced):
                        raise ProgressError(f"{self.path}: not a usable progress database ({exc})") from exc
                    if not replaced:
                        self.recovered_from = move_aside(self.path, str(exc))
            self._ready = True

    def _init_db(self) -> None:
        """Open, check (``quick_check``) and create the schema; raises :class:`DamagedDatabase` for a damaged file."""
        check_header(self.path)
        conn: sqlite3.Connection | None = None
        try:
            conn = self._open()
            conn.execute("PRAGMA journal_mode = WAL")
            check_integrity(conn)
            with conn:
                conn.executescript(_SCHEMA)
                row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
                version = row[0] if row else None
                if version is None:
                    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
                    logger.info("created progress database %s (schema %d)", self.path, SCHEMA_VERSION)
                elif version > SCHEMA_VERSION:
                    raise ProgressError(
                        f"{self.path}: schema version {version} is newer than this rag_coach supports "
                        f"({SCHEMA_VERSION}); upgrade rag_coach or use another data_dir"
                    )
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise DamagedDatabase(str(exc)) from exc
            raise ProgressError(f"{self.path}: not a usable progress database ({exc})") from exc
        finally:
            if conn is not None:
                conn.close()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self._ensure_schema()
        conn = self._open()
        try:
            yield conn
        finally:
            conn.close()

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        with self._connect() as conn:
            return conn.execute(sql, params).fetchall()

    # -- writes ------------------------------------------------------------------------------
    def record(
        self,
        profile: str,
        question: Question,
        feedback: Feedback,
        started_at: dt.datetime | str,
        finished_at: dt.datetime | str,
        delivery: Mapping[str, Any] | None = None,
    ) -> int:
        """Store one finished interview (its whole feedback, and the delivery metrics of a spoken answer) and
        return its id. ``feedback`` is a validated :class:`Feedback`; anything else is refused."""
        if not isinstance(feedback, Feedback):
            raise ProgressError(f"only a graded Feedback can be stored, got {type(feedback).__name__}")
        profile = profile or DEFAULT_PROFILE
        record = feedback.model_dump(mode="json")
        if delivery:
            record["delivery"] = dict(delivery)
        try:
            full = json.dumps(record, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ProgressError(f"delivery metrics are not JSON-serialisable ({exc})") from exc
        row = (
            profile,
            question.id,
            question.company or "general",
            question.round,
            question.topic,
            question.difficulty,
            feedback.overall,
            json.dumps(feedback.scores()),
            feedback.hints_used,
            feedback.time_used_s or 0.0,
            json.dumps(feedback.mistake_ids()),
            utc_iso(started_at),
            utc_iso(finished_at),
            full,
        )
        with self._connect() as conn, self._write_lock, conn:
            cur = conn.execute(
                "INSERT INTO attempts (profile, question_id, company, round, topic, difficulty, overall, "
                "dimensions, hints_used, time_used_s, mistake_ids, started_at, finished_at, feedback) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            attempt_id = int(cur.lastrowid or 0)
        logger.debug("recorded attempt %d for profile %r (%s, overall %d)", attempt_id, profile, question.id, feedback.overall)
        return attempt_id

    def delete(self, profile: str) -> int:
        """Delete every attempt of ``profile``; returns how many rows went. Other profiles are untouched."""
        with self._connect() as conn, self._write_lock, conn:
            count = conn.execute("DELETE FROM attempts WHERE profile = ?", (profile,)).rowcount
        logger.info("deleted %d attempts of profile %r", count, profile)
        return int(count)

    # -- reads -------------------------------------------------------------------------------
    def history(self, profile: str, limit: int | None = None) -> list[Attempt]:
        """The profile's attempts, most recently finished first."""
        sql = "SELECT * FROM attempts WHERE profile = ? ORDER BY finished_at DESC, id DESC"
        params: tuple[Any, ...] = (profile,)
        if limit is not None:
            sql += " LIMIT ?"
            params += (max(0, int(limit)),)
        return [_attempt(r) for r in self._rows(sql, params)]

    def topic_averages(self, profile: str, company: str | None = None) -> list[TopicStat]:
        """Per (topic, round): attempts, mean overall and last attempt; sorted by round then topic."""
        sql = (
            "SELECT topic, round, COUNT(*) AS n, AVG(overall) AS mean, MAX(finished_at) AS last "
            "FROM attempts WHERE profile = ?"
        )
        params: tuple[Any, ...] = (profile,)
        if company is not None:
            sql += " AND company = ?"
            params += (company,)
        sql += " GROUP BY topic, round ORDER BY round, topic"
        return [
            TopicStat(topic=r["topic"], round=r["round"], attempts=int(r["n"]), mean_overall=float(r["mean"]),
                      last_attempt=r["last"])
            for r in self._rows(sql, params)
        ]

    def weakest_topics(self, profile: str, company: str | None = None, n: int = 3) -> list[TopicStat]:
        """The ``n`` lowest-mean topics; ties go to fewer attempts, then the most recently practised."""
        return rank_weakest(self.topic_averages(profile, company))[: max(0, n)]

    def seen_question_ids(self, profile: str) -> set[str]:
        return {r[0] for r in self._rows("SELECT DISTINCT question_id FROM attempts WHERE profile = ?", (profile,))}

    def last_seen(self, profile: str) -> dict[str, str]:
        """question id -> finished_at of its most recent attempt."""
        rows = self._rows(
            "SELECT question_id, MAX(finished_at) FROM attempts WHERE profile = ? GROUP BY question_id", (profile,)
        )
        return {r[0]: r[1] for r in rows}

    def mistake_counts(self, profile: str) -> dict[str, int]:
        """mistake id -> number of attempts it was flagged in, most frequent first."""
        counts: dict[str, int] = {}
        for (raw,) in self._rows("SELECT mistake_ids FROM attempts WHERE profile = ?", (profile,)):
            for mid in json.loads(raw):
                counts[mid] = counts.get(mid, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def profiles(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT DISTINCT profile FROM attempts ORDER BY profile", ())]

    # -- export ------------------------------------------------------------------------------
    def export(self, profile: str) -> dict[str, Any]:
        """Everything stored for ``profile`` as plain JSON-serialisable data (oldest attempt first)."""
        attempts = list(reversed(self.history(profile)))
        return {
            "profile": profile,
            "schema_version": SCHEMA_VERSION,
            "exported_at": utc_iso(dt.datetime.now(dt.UTC)),
            "attempts": [a.to_dict() for a in attempts],
            "topic_averages": [asdict(s) for s in self.topic_averages(profile)],
            "mistake_counts": self.mistake_counts(profile),
        }

    def export_json(self, profile: str, path: Path | str) -> Path:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(self.export(profile), indent=2, ensure_ascii=False), encoding="utf-8")
        logger.info("exported profile %r to %s", profile, out)
        return out


def _attempt(row: sqlite3.Row) -> Attempt:
    return Attempt(
        id=int(row["id"]),
        profile=row["profile"],
        question_id=row["question_id"],
        company=row["company"],
        round=row["round"],
        topic=row["topic"],
        difficulty=row["difficulty"],
        overall=float(row["overall"]),
        dimensions=json.loads(row["dimensions"]),
        hints_used=int(row["hints_used"]),
        time_used_s=float(row["time_used_s"]),
        mistake_ids=json.loads(row["mistake_ids"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        **stored_feedback(row["feedback"], int(row["id"])),
    )


__all__ = ["DB_FILE", "DEFAULT_PROFILE", "SCHEMA_VERSION", "Attempt", "ProgressError", "ProgressStore", "TopicStat",
           "rank_weakest", "utc_iso"]

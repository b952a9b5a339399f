"""Plain records of the progress store."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag_coach.interview.feedback import Feedback

log = logging.getLogger(__name__)


class ProgressError(ValueError):
    """Feedback or a database that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Attempt:
    """One finished mock interview."""

    id: int
    profile: str
    question_id: str
    company: str
    round: str
    topic: str
    difficulty: str
    overall: float
    dimensions: dict[str, float]
    hints_used: int
    time_used_s: float
    mistake_ids: list[str]
    started_at: str
    finished_at: str
    feedback: Feedback | None = None  # None: stored by a version whose feedback this one cannot read
    delivery: dict[str, Any] | None = None  # speaking rate, pauses, fillers of a spoken answer

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data (the export)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["feedback"] = self.feedback.model_dump(mode="json") if self.feedback is not None else None
        return data


@dataclass(frozen=True)
class TopicStat:
    """Mean overall score of one (topic, round) over a profile's attempts."""

    topic: str
    round: str
    attempts: int
    mean_overall: float
    last_attempt: str  # finished_at of the most recent attempt (UTC ISO)


def utc_iso(value: dt.datetime | str) -> str:
    """A UTC ISO-8601 timestamp; naive datetimes are taken to be UTC already."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


def stored_feedback(text: str, attempt_id: int) -> dict[str, Any]:
    """``feedback`` (a :class:`Feedback`, or None for a record this version cannot read) and ``delivery``
    of a stored attempt. An unreadable record is logged and left in the database as it is."""
    from pydantic import ValidationError

    from rag_coach.interview.feedback import Feedback

    try:
        data = json.loads(text)
    except ValueError as exc:
        log.info("attempt %d: stored feedback is not JSON, shown without it (%s)", attempt_id, exc)
        return {"feedback": None, "delivery": None}
    delivery = data.pop("delivery", None) if isinstance(data, dict) else None
    try:
        return {"feedback": Feedback.model_validate(data), "delivery": delivery}
    except ValidationError as exc:
        log.info("attempt %d: stored feedback not readable by this version, shown without it (%s)", attempt_id, str(exc)[:200])
        return {"feedback": None, "delivery": delivery}


def rank_weakest(stats: list[TopicStat]) -> list[TopicStat]:
    """Lowest mean first; ties: fewer attempts, then most recent last attempt."""
    by_recent = sorted(stats, key=lambda s: s.last_attempt, reverse=True)
    return sorted(by_recent, key=lambda s: (round(s.mean_overall, 9), s.attempts))

"""Plain records of the progress store and the checks applied to a feedback dict before it is stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
    feedback: dict[str, Any] = field(default_factory=dict)


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


def score_value(value: Any, what: str) -> float:
    try:
        score = float(value)
    except (TypeError, ValueError) as exc:
        raise ProgressError(f"{what} must be a number from 1 to 4, got {value!r}") from exc
    if not 1 <= score <= 4:
        raise ProgressError(f"{what} must be from 1 to 4, got {score}")
    return score


def dimension_scores(feedback: Mapping[str, Any]) -> dict[str, float]:
    dims = feedback.get("dimensions") or {}
    if not isinstance(dims, Mapping):
        raise ProgressError("feedback 'dimensions' must map a dimension name to {score, evidence}")
    out: dict[str, float] = {}
    for name, entry in dims.items():
        raw = entry.get("score") if isinstance(entry, Mapping) else entry
        out[str(name)] = score_value(raw, f"feedback dimension '{name}' score")
    return out


def mistake_ids_of(feedback: Mapping[str, Any]) -> list[str]:
    ids: list[str] = []
    for weakness in feedback.get("weaknesses") or []:
        mid = weakness.get("mistake_id") if isinstance(weakness, Mapping) else None
        if mid and mid not in ids:
            ids.append(str(mid))
    return ids


def rank_weakest(stats: list[TopicStat]) -> list[TopicStat]:
    """Lowest mean first; ties: fewer attempts, then most recent last attempt."""
    by_recent = sorted(stats, key=lambda s: s.last_attempt, reverse=True)
    return sorted(by_recent, key=lambda s: (round(s.mean_overall, 9), s.attempts))

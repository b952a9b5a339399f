"""Measurements for `rag-coach bench load`: latency samples per kind, and a process' resident memory."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag_coach.stats import percentiles


@dataclass
class Samples:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float | None, error: str | None = None) -> None:
        with self.lock:
            if error is not None:
                self.errors.append(error)
            elif ms is not None:
                self.latencies_ms.append(ms)

    def summary(self, seconds: float | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"requests": len(self.latencies_ms) + len(self.errors), "errors": len(self.errors)}
        if self.latencies_ms:
            data.update(percentiles(self.latencies_ms, suffix="_ms"))
            data["max_ms"] = round(max(self.latencies_ms), 1)
        if seconds:
            data["per_s"] = round(len(self.latencies_ms) / seconds, 2)
        if self.errors:
            data["first_errors"] = sorted(set(self.errors))[:3]
        return data


def read_rss_mb(pid: int) -> float | None:
    """Resident memory of ``pid`` from /proc (Linux); None elsewhere or when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler:
    """Samples a process' RSS in the background; ``mark(label)`` records the current value."""

    def __init__(self, pid: int | None, interval_s: float = 0.5) -> None:
        self.pid, self.interval_s = pid, interval_s
        self.samples: list[float] = []
        self.marks: dict[str, float | None] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            rss = read_rss_mb(self.pid) if self.pid else None
            if rss is not None:
                self.samples.append(rss)

    def mark(self, label: str) -> None:
        self.marks[label] = read_rss_mb(self.pid) if self.pid else None

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

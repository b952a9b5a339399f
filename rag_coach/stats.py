"""Percentiles, the one way the package summarises a sample (latencies, similarities, lengths)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np

Method = Literal["linear", "lower"]


def percentile(values: Sequence[float], q: float, method: Method = "linear") -> float | None:
    """The ``q``-th percentile (0-100) of ``values``; None for no values.

    ``linear`` interpolates between neighbours (numpy's default); ``lower`` is the sample value at index
    ``floor(q/100 * (n-1))`` of the sorted values, so integer samples stay integers."""
    if not len(values):
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q, method=method))


def percentiles(values: Sequence[float], qs: Iterable[float] = (50, 95), digits: int = 1, prefix: str = "p",
                suffix: str = "") -> dict[str, float | None]:
    """``{"p50": .., "p95": ..}`` (names ``prefix + q + suffix``), rounded to ``digits``; None values for no values."""
    out: dict[str, float | None] = {}
    for q in qs:
        value = percentile(values, q)
        out[f"{prefix}{q:g}{suffix}"] = None if value is None else round(value, digits)
    return out

"""The package's one percentile helper."""

from __future__ import annotations

from rag_coach.stats import percentile, percentiles


def test_linear_lower_and_empty() -> None:
    values = [10.0, 1.0, 3.0, 2.0]
    assert percentile(values, 50) == 2.5 and percentile(values, 90, "lower") == 3.0  # sorted[floor(0.9 * 3)]
    assert percentile([], 50) is None
    assert percentiles(values) == {"p50": 2.5, "p95": 8.9}
    assert percentiles([], suffix="_ms") == {"p50_ms": None, "p95_ms": None}
    assert percentiles([0.123456, 0.5], (50, 99), digits=4, prefix="nn_p") == {"nn_p50": 0.3117, "nn_p99": 0.4962}

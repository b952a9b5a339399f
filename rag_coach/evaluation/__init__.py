"""Evaluation sets, metrics, reports and benchmarks."""

"""Grounded generation of new bank questions: constrained JSON, validation, near-duplicate rejection, metrics."""

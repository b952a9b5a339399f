"""Quality metrics for one generation batch: validity, duplication, diversity and topical relevance."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag_coach.generation.generate import GenerationReport, RoundIndex, nn_similarities
from rag_coach.stats import percentiles

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def distinct_n(texts: Sequence[str], n: int = 2) -> float | None:
    """Unique n-grams / all n-grams over the batch (each text tokenised on its own); None without any n-gram."""
    grams = [tuple(words[i : i + n]) for words in map(tokens, texts) for i in range(len(words) - n + 1)]
    return len(set(grams)) / len(grams) if grams else None


def mean_pairwise_distance(vectors: np.ndarray) -> float | None:
    """Mean of 1 - cos over all unordered pairs of (L2-normalised) rows; None for fewer than two rows."""
    count = len(vectors)
    if count < 2:
        return None
    sims = vectors @ vectors.T
    upper = sims[np.triu_indices(count, k=1)]
    return float(np.mean(1.0 - upper))


def relevance(vectors: np.ndarray, topic_vectors: np.ndarray, other_vectors: np.ndarray) -> dict[str, float | None]:
    """Mean cosine of the new prompts to the requested topic's bank prompts vs to the other topics' (same round)."""
    on = float(np.mean(vectors @ topic_vectors.T)) if len(vectors) and len(topic_vectors) else None
    off = float(np.mean(vectors @ other_vectors.T)) if len(vectors) and len(other_vectors) else None
    return {"topic_similarity": on, "other_topics_similarity": off,
            "margin": on - off if on is not None and off is not None else None}


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def bank_calibration(index: RoundIndex, threshold: float) -> dict[str, float]:
    """Where the threshold sits in the round's nearest-neighbour similarity distribution."""
    nn = nn_similarities(index.vectors) if len(index.questions) else np.zeros(0)
    if not len(nn):
        return {}
    return {**percentiles(nn, (50, 95, 99), digits=4, prefix="nn_p"),
            "threshold_percentile": round(float(np.mean(nn < threshold) * 100), 1)}


def compute_metrics(report: GenerationReport, index: RoundIndex, vectors: np.ndarray) -> dict[str, Any]:
    """``vectors``: the embeddings of ``report.accepted`` prompts, in order."""
    calls = report.count("accepted", "invalid", "duplicate_bank", "duplicate_batch", "error")
    valid = report.count("accepted", "duplicate_bank", "duplicate_batch")
    topic_rows = [i for i, q in enumerate(index.questions) if q.topic == report.topic]
    other_rows = [i for i, q in enumerate(index.questions) if q.topic != report.topic]
    rounded = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in {
        "schema_valid_rate": rate(valid, calls),
        "duplicate_rate_bank": rate(report.count("duplicate_bank"), valid),
        "duplicate_rate_batch": rate(report.count("duplicate_batch"), valid),
        "acceptance_rate": rate(report.count("accepted"), calls),
        "mean_pairwise_distance": mean_pairwise_distance(vectors),
        "distinct_2": distinct_n([q.prompt for q in report.accepted], 2),
        **relevance(vectors, index.vectors[topic_rows], index.vectors[other_rows]),
    }.items()}
    return {"calls": calls, "valid": valid, "accepted": len(report.accepted), "requested": report.requested, **rounded,
            "calibration": bank_calibration(index, report.threshold),
            "seconds": round(sum(a.seconds for a in report.attempts), 2)}


def format_metrics(metrics: dict[str, Any]) -> str:
    def show(v: Any) -> str:
        return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    keys = ("schema_valid_rate", "duplicate_rate_bank", "duplicate_rate_batch", "mean_pairwise_distance", "distinct_2",
            "topic_similarity", "other_topics_similarity", "margin")
    lines = [f"accepted {metrics['accepted']}/{metrics['requested']} in {metrics['calls']} calls ({metrics['seconds']} s)"]
    lines += [f"{k}: {show(metrics[k])}" for k in keys]
    if metrics.get("calibration"):
        lines.append("bank nn similarity: " + ", ".join(f"{k}={v}" for k, v in metrics["calibration"].items()))
    return "\n".join(lines)

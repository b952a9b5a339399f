"""Ranking metrics over a ranked list of ids and a set of relevant ids (binary relevance)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def dedupe(ranked: Sequence[str]) -> list[str]:
    """Several chunks can belong to one relevant section: count each id once, at its best rank."""
    seen: set[str] = set()
    return [x for x in ranked if not (x in seen or seen.add(x))]


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return 1.0 if any(x in relevant for x in ranked[:k]) else 0.0


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def mrr_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    for position, x in enumerate(ranked[:k], start=1):
        if x in relevant:
            return 1.0 / position
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, x in enumerate(ranked[:k]) if x in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def score_query(ranked: Sequence[str], relevant: set[str], k: int = 5) -> dict[str, float]:
    ranked = dedupe(ranked)
    return {
        f"hit@{k}": hit_at_k(ranked, relevant, k),
        "mrr@10": mrr_at_k(ranked, relevant, 10),
        "ndcg@10": ndcg_at_k(ranked, relevant, 10),
        f"recall@{k}": recall_at_k(ranked, relevant, k),
    }


def mean_scores(rows: list[dict[str, float]]) -> dict[str, float]:
    if not rows:
        return {}
    return {key: round(sum(r[key] for r in rows) / len(rows), 4) for key in rows[0]}

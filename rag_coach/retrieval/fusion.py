"""Fusing the BM25 and dense ranked lists.

``rrf``: weighted reciprocal-rank fusion over the two candidate lists.
``weighted``: convex combination of normalised scores over the union of candidates, where every
candidate has both scores (dense: cosine similarity, clipped at 0; BM25: divided by the query's best
BM25 score). Both take the dense weight from settings, tuned on the labelled set.
"""

from __future__ import annotations


def rrf(bm25: list[tuple[int, float]], dense: list[tuple[int, float]], dense_weight: float, k: int) -> dict[int, float]:
    fused: dict[int, float] = {}
    for weight, ranked in ((1.0 - dense_weight, bm25), (dense_weight, dense)):
        for rank, (idx, _) in enumerate(ranked):
            fused[idx] = fused.get(idx, 0.0) + weight / (k + rank + 1)
    return fused


def weighted(bm25_scores: dict[int, float], dense_scores: dict[int, float], dense_weight: float) -> dict[int, float]:
    top = max(bm25_scores.values(), default=0.0)
    ids = set(bm25_scores) | set(dense_scores)
    return {
        idx: (1.0 - dense_weight) * (bm25_scores.get(idx, 0.0) / top if top > 0 else 0.0)
        + dense_weight * max(dense_scores.get(idx, 0.0), 0.0)
        for idx in ids
    }

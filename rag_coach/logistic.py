"""A small logistic model over named, standardised features: the calibrated decisions made in code.

Used where a decision must be owned by the system and fitted on labelled rows rather than left to the
model's text: the chat's answerability gate (:mod:`rag_coach.coach.gate`), the grader's mistake
matching (:mod:`rag_coach.interview.mistakes`) and the relevance screen
(:mod:`rag_coach.interview.relevance`). Weights live in a JSON file next to the module that uses
them; ``rag-coach eval ... --write`` refits them on the *fit* half of a labelled set (split by a hash
of the row id) and reports on the other half.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    threshold: float = 0.5
    fitted_on: str = ""

    @classmethod
    def from_json(cls, text: str) -> Logistic:
        data = json.loads(text)
        return cls(tuple(data["features"]), tuple(data["weights"]), data["bias"], tuple(data["means"]),
                   tuple(data["scales"]), data["threshold"], data.get("fitted_on", ""))

    def to_json(self) -> str:
        return json.dumps({"features": self.features, "weights": self.weights, "bias": self.bias, "means": self.means,
                           "scales": self.scales, "threshold": self.threshold, "fitted_on": self.fitted_on},
                          indent=1) + "\n"

    def save(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")

    def probability(self, feats: dict[str, float]) -> float:
        z = self.bias + sum(w * (feats[name] - m) / s
                            for w, name, m, s in zip(self.weights, self.features, self.means, self.scales))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def with_threshold(self, threshold: float, fitted_on: str | None = None) -> Logistic:
        return Logistic(self.features, self.weights, self.bias, self.means, self.scales, round(float(threshold), 6),
                        self.fitted_on if fitted_on is None else fitted_on)


def fit(rows: Sequence[dict[str, float]], labels: Sequence[int], features: Sequence[str], *, l2: float = 0.1,
        steps: int = 3000, lr: float = 0.1, balance: bool = True) -> Logistic:
    """Logistic regression by gradient descent on standardised features (threshold 0.5; pick one with
    :func:`best_threshold`). ``balance`` weighs the classes equally."""
    import numpy as np

    x = np.array([[r[f] for f in features] for r in rows], dtype=float)
    y = np.array(labels, dtype=float)
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales == 0] = 1.0
    z = (x - means) / scales
    w, b = np.zeros(z.shape[1]), 0.0
    pos_weight = (1 - y).sum() / max(1.0, y.sum()) if balance else 1.0
    sample = np.where(y == 1, pos_weight, 1.0)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = (p - y) * sample
        w -= lr * (z.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    return Logistic(tuple(features), tuple(map(float, w)), float(b), tuple(map(float, means)), tuple(map(float, scales)))


def best_threshold(probs: Sequence[float], objective: Callable[[float], float]) -> float:
    """The threshold among the observed probabilities that maximises ``objective`` (ties: the lower one),
    moved halfway to the next lower probability for a margin on both sides of the boundary."""
    levels = sorted(set(probs))
    if not levels:
        return 0.5
    best = max(range(len(levels)), key=lambda i: (objective(levels[i]), -i))
    return (levels[best] + levels[best - 1]) / 2 if best > 0 else levels[best] / 2


def split_of(row_id: str) -> str:
    """``fit`` or ``report``: a stable half of a labelled set, by a hash of the row id."""
    import hashlib

    return "fit" if int(hashlib.sha256(row_id.encode()).hexdigest(), 16) % 2 == 0 else "report"

"""Metric arithmetic on hand-made examples."""

from __future__ import annotations

import numpy as np
import pytest

from rag_coach.documents.models import Question
from rag_coach.generation.generate import Attempt, GenerationReport, RoundIndex, nn_similarities
from rag_coach.generation.metrics import compute_metrics, distinct_n, format_metrics, mean_pairwise_distance, relevance


def _q(qid: str, topic: str, prompt: str) -> Question:
    return Question(id=qid, round="coding", topic=topic, difficulty="easy", prompt=prompt, rubric=["a", "b"],
                    hints=["1", "2", "3"], follow_ups=["x", "y"], source="generated", company="amazon")


def test_distinct_2_counts_unique_bigrams_over_the_batch() -> None:
    # bigrams: (a,b) (b,c) | (a,b) (b,d) -> 3 unique of 4
    assert distinct_n(["A b c", "a B, d"], 2) == pytest.approx(0.75)
    assert distinct_n(["one two three four"], 2) == 1.0
    assert distinct_n(["single"], 2) is None


def test_mean_pairwise_distance_on_known_vectors() -> None:
    v = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    # pairs: (0,1) cos 0 -> 1; (0,2) cos 1 -> 0; (1,2) cos 0 -> 1  => 2/3
    assert mean_pairwise_distance(v) == pytest.approx(2 / 3)
    assert mean_pairwise_distance(v[:1]) is None


def test_relevance_and_nearest_neighbours() -> None:
    new = np.array([[1.0, 0.0]])
    topic = np.array([[1.0, 0.0], [0.6, 0.8]])
    other = np.array([[0.0, 1.0]])
    got = relevance(new, topic, other)
    assert got["topic_similarity"] == pytest.approx(0.8) and got["other_topics_similarity"] == pytest.approx(0.0)
    assert got["margin"] == pytest.approx(0.8)
    assert nn_similarities(np.vstack([topic, other])).tolist() == pytest.approx([0.6, 0.8, 0.8])


def test_compute_metrics_rates() -> None:
    bank = [_q("q.amazon.coding.a", "hashing", "x" * 20), _q("q.amazon.coding.b", "trees", "y" * 20)]
    index = RoundIndex(bank, np.array([[1.0, 0.0], [0.0, 1.0]]))
    report = GenerationReport("amazon", "coding", "hashing", "easy", requested=2, threshold=0.85)
    report.accepted = [_q("q.amazon.coding.gen_1", "hashing", "find the pair that sums up"),
                       _q("q.amazon.coding.gen_2", "hashing", "count the pairs that sum up")]
    report.attempts = [Attempt(1, 1, "invalid", seconds=1.0), Attempt(1, 2, "duplicate_bank", seconds=1.0),
                       Attempt(1, 3, "accepted", seconds=1.0), Attempt(2, 1, "accepted", seconds=1.5)]
    vectors = np.array([[1.0, 0.0], [0.6, 0.8]])
    m = compute_metrics(report, index, vectors)
    assert (m["calls"], m["valid"], m["accepted"]) == (4, 3, 2)
    assert m["schema_valid_rate"] == 0.75 and m["duplicate_rate_bank"] == pytest.approx(0.3333)
    assert m["duplicate_rate_batch"] == 0.0 and m["acceptance_rate"] == 0.5
    assert m["mean_pairwise_distance"] == pytest.approx(0.4)
    # bigrams: find the|the pair|pair that|that sums|sums up ; count the|the pairs|pairs that|that sum|sum up
    assert m["distinct_2"] == 1.0
    assert m["topic_similarity"] == pytest.approx(0.8) and m["other_topics_similarity"] == pytest.approx(0.4)
    assert m["margin"] == pytest.approx(0.4) and m["seconds"] == 4.5
    assert m["calibration"]["threshold_percentile"] == 100.0
    assert "accepted 2/2 in 4 calls" in format_metrics(m)

"""Metric arithmetic on hand-computed examples, BEIR loading, and the eval JSON shape."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rag_coach.evaluation.metrics import hit_at_k, mrr_at_k, ndcg_at_k, recall_at_k, score_query
from rag_coach.evaluation.retrieval_eval import evaluate_beir, load_beir


def test_metrics_by_hand() -> None:
    ranked = ["a", "b", "c", "d", "e", "f"]
    relevant = {"b", "e", "z"}
    assert hit_at_k(ranked, relevant, 1) == 0.0 and hit_at_k(ranked, relevant, 2) == 1.0
    assert mrr_at_k(ranked, relevant, 10) == 0.5
    assert recall_at_k(ranked, relevant, 5) == pytest.approx(2 / 3)
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(ranked, relevant, 10) == pytest.approx(dcg / idcg)
    # several chunks of one section count once, at their best rank
    assert score_query(["x", "x", "y"], {"y"})["mrr@10"] == 0.5


def _beir(folder: Path) -> Path:
    (folder / "qrels").mkdir(parents=True)
    docs = [
        ("d1", "Bar raiser", "An interviewer from outside the team who can veto a hire."),
        ("d2", "Binary search", "Halve a sorted range each step; watch the loop invariant."),
        ("d3", "Heaps", "A priority queue gives the smallest item in logarithmic time."),
    ]
    (folder / "corpus.jsonl").write_text("".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in docs))
    queries = [("q1", "who can veto a hiring decision"), ("q2", "search a sorted array quickly"), ("q3", "unjudged")]
    (folder / "queries.jsonl").write_text("".join(json.dumps({"_id": i, "text": t}) + "\n" for i, t in queries))
    (folder / "qrels/test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq2\td3\t0\n")
    return folder


def test_load_beir(tmp_path: Path) -> None:
    chunks, rows = load_beir(_beir(tmp_path / "beir"))
    assert [c.doc_id for c in chunks] == ["d1", "d2", "d3"]
    assert rows == [{"id": "q1", "query": "who can veto a hiring decision", "relevant": ["d1"]},
                    {"id": "q2", "query": "search a sorted array quickly", "relevant": ["d2"]}]


def test_evaluate_beir_builds_a_throwaway_index(tmp_path: Path, settings, embedder) -> None:
    result = evaluate_beir(settings, _beir(tmp_path / "beir"))
    assert result["queries"] == 2
    assert set(result["modes"]) == {"bm25", "dense", "hybrid"}
    assert set(result["modes"]["dense"]) == {"hit@5", "mrr@10", "ndcg@10", "recall@5"}
    assert result["modes"]["dense"]["mrr@10"] == 1.0
    assert not settings.index_dir.exists()  # the user's index is not touched

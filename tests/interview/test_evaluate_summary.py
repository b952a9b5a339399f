"""`summarise`: the ordering metrics of `eval feedback`, computed from hand-built grading records."""

from __future__ import annotations

from typing import Any

from rag_coach.interview.evaluate import summarise


def record(qid: str, round_: str, quality: str, overall: int, reference: int) -> dict[str, Any]:
    dims = {"d": {"score": overall, "evidence": ""}}
    return {"id": f"{qid}-{quality}", "question_id": qid, "round": round_, "quality": quality,
            "reference": {"overall": reference, "dimensions": {"d": reference}}, "expected_mistake_ids": [],
            "status": "ok", "reason": "", "repaired": False, "truncated": False, "attempts": 1, "seconds": 1.0,
            "prompt_tokens": 10, "completion_tokens": 5, "screen": None, "checks": None, "evidence_empty": 0,
            "feedback": {"overall": overall, "dimensions": dims, "weaknesses": []}}


def test_good_over_bad_counts_ties_as_misses_and_splits_by_round() -> None:
    records = [
        record("q1", "coding", "good", 4, 4), record("q1", "coding", "mediocre", 3, 2), record("q1", "coding", "bad", 2, 1),
        record("q2", "coding", "good", 3, 4), record("q2", "coding", "bad", 3, 1),  # a tie is not "higher"
        record("q3", "behavioral", "good", 2, 4), record("q3", "behavioral", "bad", 3, 1),  # reversed
        record("q4", "behavioral", "good", 3, 4),  # no bad answer graded: no pair
    ]
    out = summarise(records)
    assert out["good_bad_pairs"] == 3 and out["good_over_bad"] == round(1 / 3, 3)
    assert out["good_over_bad_by_round"] == {"behavioral": "0/1", "coding": "1/2"}
    assert out["ordered_pair_count"] == 5 and out["ordered_pairs"] == round(3 / 5, 3)
    assert out["overall_exact"] == round(1 / 8, 3)  # only q1 good matches its reference

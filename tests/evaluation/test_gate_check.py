"""`eval gate --check` summary from recorded rows (no model): fit on the fit half only, AUC, latency."""

from __future__ import annotations

from types import SimpleNamespace

from rag_coach.coach.answerability import FEATURE
from rag_coach.coach.gate import FEATURES
from rag_coach.evaluation.gate_eval import auc, evaluate_gate_check
from tests.coach.test_chat import fixed_gate


def test_auc_counts_ties_half() -> None:
    assert auc([0.9, 0.8, 0.1], [1, 1, 0]) == 1.0
    assert auc([0.5, 0.5], [1, 0]) == 0.5
    assert auc([0.3], [1]) is None


def test_summary_fits_on_the_fit_half_and_reports_both() -> None:
    rows = []
    for i in range(40):
        label, split = i % 2, "fit" if i < 24 else "report"
        feats = {**dict.fromkeys(FEATURES, 0.5), FEATURE: (1.5 if label else -1.0) + (i % 5) * 0.1}
        rows.append({"id": f"r{i}", "label": label, "split": split, "features": feats, "has_evidence": True,
                     "has_check": True, "p_yes": 0.6, "p_null": 0.3, "check_s": 1.0 + i % 3})
    rows.append({"id": "none", "label": 0, "split": "report", "features": dict.fromkeys(FEATURES, 0.0),
                 "has_evidence": False, "has_check": False, "p_yes": None, "p_null": None, "check_s": 0.0})
    report = evaluate_gate_check(SimpleNamespace(gate=fixed_gate(True)), rows=rows, model="m")
    assert report["rows"] == 41 and report["rows_with_check"] == 40 and report["model"] == "m"
    assert report["with_check"]["report"]["refusal_rate_on_unanswerable"] == 1.0  # the no-evidence row is refused too
    assert report["with_check"]["report"]["answered_rate_on_answerable"] == 1.0
    assert report["shipped"]["report"]["refusal_rate_on_unanswerable"] == round(1 / 9, 3)  # only the no-evidence row
    assert report["auc"]["evidence_lift"]["report"] == 1.0
    assert report["check_seconds_per_turn"]["median"] == 2.0
    assert "fit_rows" not in report and str(24) in report["model_json"]

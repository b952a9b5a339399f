"""`rag-coach eval gate`: fit the answerability gate on one half of the labelled sets, report on the other.

Rows: the answerable coaching questions (label 1) and the in-domain unanswerable questions (label 0).
The split is by a hash of the row id (stable, independent of file order and wording): ``fit`` rows
set the weights and threshold, ``report`` rows are never seen by the fit. Reported per split: the
refusal rate on unanswerables, the answered rate on answerables (a gate that refuses everything
scores 0 there) and their mean (balanced accuracy). No model call: the gate runs on retrieval and
evidence features only, so this takes about a minute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag_coach.coach.chat import ChatSession, Coach
from rag_coach.coach.gate import FEATURES, GateModel, fit
from rag_coach.evaluation.answers import load_set
from rag_coach.logistic import split_of


def gate_rows(coach: Coach, questions: list[dict[str, Any]], unanswerable: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for label, rowset in ((1, questions), (0, unanswerable)):
        for row in rowset:
            session = ChatSession(row.get("company") or "general", row.get("round") or "all")
            hits, _ = coach.retrieve(session, row["question"])
            plan = coach.plan(session, row["question"], hits)  # exactly what a chat turn decides
            rows.append({"id": row["id"], "label": label, "split": split_of(row["id"]), "features": plan.gate.features,
                         "missing": list(plan.gate.missing_words), "has_evidence": bool(plan.evidence)})
    return rows


def rates(model: GateModel, rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["label"] == 1]
    unanswerable = [r for r in rows if r["label"] == 0]

    def answered(r: dict[str, Any]) -> bool:
        return r["has_evidence"] and model.probability(r["features"]) >= model.threshold

    answered_rate = sum(answered(r) for r in answerable) / len(answerable) if answerable else None
    refusal_rate = sum(not answered(r) for r in unanswerable) / len(unanswerable) if unanswerable else None
    both = [x for x in (answered_rate, refusal_rate) if x is not None]
    return {"answerable": len(answerable), "unanswerable": len(unanswerable),
            "answered_rate_on_answerable": round(answered_rate, 3) if answered_rate is not None else None,
            "refusal_rate_on_unanswerable": round(refusal_rate, 3) if refusal_rate is not None else None,
            "balanced_accuracy": round(sum(both) / len(both), 3) if both else None}


def evaluate_gate(coach: Coach, write: Path | None = None) -> dict[str, Any]:
    rows = gate_rows(coach, load_set("coaching_questions.jsonl"), load_set("unanswerable_questions.jsonl"))
    fit_rows = [r for r in rows if r["split"] == "fit" and r["has_evidence"]]
    model = fit([r["features"] for r in fit_rows], [r["label"] for r in fit_rows])
    model = GateModel(model.weights, model.bias, model.means, model.scales, model.threshold,
                      fitted_on=f"{len(fit_rows)} fit-split rows of coaching_questions + unanswerable_questions")
    if write is not None:
        model.save(write)
    shipped = coach.gate
    report = {
        "features": list(FEATURES),
        "fitted": {"weights": [round(w, 3) for w in model.weights], "bias": round(model.bias, 3), "threshold": model.threshold,
                   "fit": rates(model, [r for r in rows if r["split"] == "fit"]),
                   "report": rates(model, [r for r in rows if r["split"] == "report"])},
        "shipped": {"threshold": shipped.threshold, "fit": rates(shipped, [r for r in rows if r["split"] == "fit"]),
                    "report": rates(shipped, [r for r in rows if r["split"] == "report"])},
        "written": str(write) if write else None,
        "rows": rows,
    }
    f, rep = report["fitted"]["fit"], report["fitted"]["report"]
    report["text"] = "\n".join([
        f"gate fitted on {len(fit_rows)} rows; threshold {model.threshold}; weights "
        + ", ".join(f"{n} {w:+.2f}" for n, w in zip(FEATURES, model.weights)),
        f"fit split:    answered {f['answered_rate_on_answerable']} of answerable ({f['answerable']}), "
        f"refused {f['refusal_rate_on_unanswerable']} of unanswerable ({f['unanswerable']})",
        f"report split: answered {rep['answered_rate_on_answerable']} of answerable ({rep['answerable']}), "
        f"refused {rep['refusal_rate_on_unanswerable']} of unanswerable ({rep['unanswerable']}), "
        f"balanced accuracy {rep['balanced_accuracy']}",
    ])
    return report

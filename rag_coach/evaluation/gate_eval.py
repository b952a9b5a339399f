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


# -- the model's P(yes) as a gate feature (measured; adopted only if the report half improves) ----------

def auc(scores: list[float], labels: list[int]) -> float | None:
    """Area under the ROC curve (ties count half); None without both classes."""
    pos = [s for s, y in zip(scores, labels) if y == 1]
    neg = [s for s, y in zip(scores, labels) if y == 0]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 3)


def _quantile(values: list[float], q: float) -> float | None:
    import numpy as np

    return round(float(np.quantile(values, q)), 3) if values else None


def _order(row_id: str) -> str:
    """A fixed pseudo-random order of the rows (answerable and unanswerable mixed), so a cut run is a fair sample."""
    import hashlib

    return hashlib.sha256(f"order:{row_id}".encode()).hexdigest()


def check_rows(coach: Coach, limit: int | None = None, records: Path | None = None) -> list[dict[str, Any]]:
    """Gate rows with the evidence check, in :func:`_order`. With ``records`` (JSON lines) every row is
    appended as it is done, and rows already there are reused: a long run can be resumed or cut short."""
    import json
    import time

    from rag_coach.coach.answerability import FEATURE, evidence_check

    questions, unanswerable = load_set("coaching_questions.jsonl"), load_set("unanswerable_questions.jsonl")
    if limit:
        questions, unanswerable = questions[:limit], unanswerable[:limit]
    todo = sorted([(1, r) for r in questions] + [(0, r) for r in unanswerable], key=lambda lr: _order(lr[1]["id"]))
    done: dict[str, dict[str, Any]] = {}
    if records is not None and records.is_file():
        for line in records.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                done[row["id"]] = row
    rows = []
    for label, row in todo:
        if row["id"] in done:
            rows.append(done[row["id"]])
            continue
        session = ChatSession(row.get("company") or "general", row.get("round") or "all")
        hits, _ = coach.retrieve(session, row["question"])
        plan = coach.plan(session, row["question"], hits)
        started = time.perf_counter()
        check = evidence_check(coach.backend, row["question"], plan.evidence) if plan.evidence else None
        seconds = time.perf_counter() - started
        feats = dict(plan.gate.features)
        if check is not None:
            feats[FEATURE] = check.lift
        rows.append({"id": row["id"], "label": label, "split": split_of(row["id"]), "features": feats,
                     "has_evidence": bool(plan.evidence), "has_check": check is not None,
                     "p_yes": round(check.p_yes, 4) if check else None,
                     "p_null": round(check.p_null, 4) if check else None, "check_s": round(seconds, 3)})
        if records is not None:
            with records.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(rows[-1]) + "\n")
    return rows


def evaluate_gate_check(coach: Coach, limit: int | None = None, records: Path | None = None,
                        rows: list[dict[str, Any]] | None = None, model: str = "") -> dict[str, Any]:
    """Gate rows with the evidence check (:mod:`rag_coach.coach.answerability`) of the coach's backend:
    the deterministic gate refitted and the gate with ``evidence_lift`` fitted on the fit half, both
    and the shipped gate reported on both halves, with the lift's AUC and the check's time per turn.
    ``rows``: summarise rows written earlier (``records``) instead of asking the model."""
    from rag_coach.coach.answerability import FEATURE

    if rows is None:
        rows = check_rows(coach, limit, records)
    usable = [r for r in rows if r["has_evidence"] and r["has_check"]]
    fit_rows = [r for r in usable if r["split"] == "fit"]
    labels = [r["label"] for r in fit_rows]
    det = fit([r["features"] for r in fit_rows], labels)
    both = fit([r["features"] for r in fit_rows], labels, features=(*FEATURES, FEATURE))
    fitted_on = f"{len(fit_rows)} fit-split rows of coaching_questions + unanswerable_questions (with the evidence check)"
    det = GateModel(det.weights, det.bias, det.means, det.scales, det.threshold, fitted_on)
    both = GateModel(both.weights, both.bias, both.means, both.scales, both.threshold, fitted_on, both.features)
    split = {s: [r for r in rows if r["split"] == s] for s in ("fit", "report")}

    def aucs(model_of) -> dict[str, float | None]:
        return {s: auc([model_of(r) for r in split[s] if r["has_check"]], [r["label"] for r in split[s] if r["has_check"]])
                for s in split}

    times = [r["check_s"] for r in rows if r["has_check"]]
    report = {
        "model": model or coach.backend.info.model, "rows": len(rows), "rows_with_check": len(usable),
        "features": [*FEATURES, FEATURE],
        "with_check": {"weights": [round(w, 3) for w in both.weights], "bias": round(both.bias, 3),
                       "threshold": both.threshold,
                       **{s: rates(both, [r for r in split[s] if r["has_check"] or not r["has_evidence"]]) for s in split}},
        "deterministic_refit": {"threshold": det.threshold, **{s: rates(det, split[s]) for s in split}},
        "shipped": {"threshold": coach.gate.threshold, **{s: rates(coach.gate, split[s]) for s in split}},
        "auc": {"evidence_lift": aucs(lambda r: r["features"][FEATURE]),
                "p_yes_raw": aucs(lambda r: r["p_yes"]),
                "shipped_gate": aucs(lambda r: coach.gate.probability(r["features"])),
                "with_check": aucs(lambda r: both.probability(r["features"]))},
        "check_seconds_per_turn": {"median": _quantile(times, 0.5), "p95": _quantile(times, 0.95), "n": len(times)},
        "model_json": both.to_json(),
        "records": rows,
    }
    w, sh = report["with_check"], report["shipped"]
    report["text"] = "\n".join([
        f"evidence check with {report['model']}: {len(usable)} of {len(rows)} rows; median {report['check_seconds_per_turn']['median']} s/turn",
        "AUC (fit / report): lift " + " / ".join(str(v) for v in report["auc"]["evidence_lift"].values())
        + "; shipped gate " + " / ".join(str(v) for v in report["auc"]["shipped_gate"].values())
        + "; gate with check " + " / ".join(str(v) for v in report["auc"]["with_check"].values()),
        *(f"{s} half: shipped answered {sh[s]['answered_rate_on_answerable']} refused {sh[s]['refusal_rate_on_unanswerable']}"
          f" -> with check answered {w[s]['answered_rate_on_answerable']} refused {w[s]['refusal_rate_on_unanswerable']}"
          for s in ("fit", "report")),
    ])
    return report

"""`rag-coach eval relevance`: fit the "does it answer this question?" check on one half, report on the other.

Rows: genuine answers (the graded set's valid answers and the counter-length pairs, label 1) and the
answers that must not be scored (``offtopic_answers.jsonl``: another question's answer, a memorised
template, another company's principles; label 0). The split is by a hash of the row id. A row is
refused when the other-company rule fires (``rule``, no fitting) or the round's model says so. The
threshold is the highest one that refuses at most ``MAX_FALSE_REFUSAL`` of the genuine fit rows, so
real answers are protected first. No model call: embeddings only, about a minute.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from rag_coach import logistic
from rag_coach.evaluation.answers import load_set
from rag_coach.interview.questions import QuestionBank
from rag_coach.interview.relevance import FEATURES, Models, RelevanceCheck, dump_models
from rag_coach.logistic import Logistic, split_of

MAX_FALSE_REFUSAL = 0.03  # on the fit half; the target on the report half is <= 5 %
MIN_NEGATIVES = 4  # off-topic fit rows a round needs for its own model


def relevance_rows(check: RelevanceCheck, bank: QuestionBank) -> list[dict[str, Any]]:
    genuine = [r for r in load_set("graded_answers.jsonl") if r.get("reference") is not None] + load_set("length_pairs.jsonl")
    rows = []
    for label, rowset in ((1, genuine), (0, load_set("offtopic_answers.jsonl"))):
        for row in rowset:
            question = bank.get(row["question_id"])
            measured = check.measure(question, row["answer"])
            rows.append({"id": row["id"], "label": label, "kind": row.get("kind", row.get("quality")),
                         "round": row["round"], "split": split_of(row["id"]), "features": measured.features,
                         "nearest": measured.nearest, "rule": measured.citations.refuses})
    return rows


def _model_for(models: Models, rnd: str) -> Logistic:
    return models.get(rnd) or models["*"]


def rates(models: Models, rows: list[dict[str, Any]]) -> dict[str, Any]:
    genuine = [r for r in rows if r["label"] == 1]
    other = [r for r in rows if r["label"] == 0]
    refused = [r for r in rows if r.get("rule")
               or (m := _model_for(models, r["round"])).probability(r["features"]) < m.threshold]
    by_kind = Counter(f"{r['round']}/{r['kind']}" for r in refused if r["label"] == 0)
    kinds = Counter(f"{r['round']}/{r['kind']}" for r in other)
    return {"genuine": len(genuine), "offtopic": len(other),
            "offtopic_refused": round(sum(r["label"] == 0 for r in refused) / len(other), 3) if other else None,
            "genuine_refused": round(sum(r["label"] == 1 for r in refused) / len(genuine), 3) if genuine else None,
            "refused_by_kind": {k: f"{by_kind.get(k, 0)}/{n}" for k, n in sorted(kinds.items())},
            "refused_by_rule": {"offtopic": sum(bool(r.get("rule")) for r in other),
                                "genuine": sum(bool(r.get("rule")) for r in genuine)},
            "genuine_refused_ids": [r["id"] for r in refused if r["label"] == 1]}


def _fit(fit_rows: list[dict[str, Any]], what: str) -> Logistic:
    model = logistic.fit([r["features"] for r in fit_rows], [r["label"] for r in fit_rows], FEATURES)
    genuine = sorted(model.probability(r["features"]) for r in fit_rows if r["label"] == 1)
    allowed = int(MAX_FALSE_REFUSAL * len(genuine))  # this many genuine fit rows may fall below the threshold
    threshold = (genuine[allowed] + (genuine[allowed - 1] if allowed else 0.0)) / 2 if genuine else 0.5
    return model.with_threshold(threshold, f"{len(fit_rows)} fit-split rows ({what}) of graded_answers + length_pairs "
                                           "(genuine) and offtopic_answers")


def fit_relevance(rows: list[dict[str, Any]]) -> Models:
    """One model per round with at least ``MIN_NEGATIVES`` off-topic fit rows, and a pooled one ("*")."""
    fit_rows = [r for r in rows if r["split"] == "fit"]
    models = {"*": _fit(fit_rows, "all rounds")}
    for rnd in sorted({r["round"] for r in fit_rows}):
        part = [r for r in fit_rows if r["round"] == rnd]
        if sum(r["label"] == 0 for r in part) >= MIN_NEGATIVES:
            models[rnd] = _fit(part, rnd)
    return models


def evaluate_relevance(check: RelevanceCheck, bank: QuestionBank, write: Path | None = None) -> dict[str, Any]:
    rows = relevance_rows(check, bank)
    models = fit_relevance(rows)
    if write is not None:
        write.write_text(dump_models(models), encoding="utf-8")
    report = {"features": list(FEATURES),
              "models": {rnd: {"weights": [round(w, 3) for w in m.weights], "threshold": m.threshold}
                         for rnd, m in models.items()},
              "fit": rates(models, [r for r in rows if r["split"] == "fit"]),
              "report": rates(models, [r for r in rows if r["split"] == "report"]),
              "written": str(write) if write else None, "rows": rows}
    f, rep = report["fit"], report["report"]
    report["text"] = "\n".join([
        f"relevance check: features {', '.join(FEATURES)}; models {report['models']}",
        f"fit half    ({f['genuine']} genuine, {f['offtopic']} off-topic): off-topic refused {f['offtopic_refused']}, "
        f"genuine refused {f['genuine_refused']}",
        f"report half ({rep['genuine']} genuine, {rep['offtopic']} off-topic): off-topic refused {rep['offtopic_refused']}, "
        f"genuine refused {rep['genuine_refused']} {rep['genuine_refused_ids']}",
        f"report half by round/kind: {rep['refused_by_kind']}",
        f"written to {write}" if write else "not written (pass --write to update the shipped model)",
    ])
    return report

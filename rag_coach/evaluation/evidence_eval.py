"""`rag-coach eval evidence`: fit the evidence scorer on one half of the coaching questions, report on the other.

Rows: every citable unit (sentence, bank item, catalog entry) of the passages retrieved for each labelled
coaching question, with :data:`~rag_coach.coach.evidence.UNIT_FEATURES`; label 1 when the unit holds one of
the question's required facts. The split is by question id (``split_of``), so no question's sentences are on
both sides. Reported per split: required-fact recall of the evidence the coach would pick (the facts an
extractive answer can hold), for the fitted scorer, the shipped one and a cosine-only ranking, and the
ceiling (the facts in the retrieved passages at all). No model call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag_coach import logistic
from rag_coach.coach import evidence as ev
from rag_coach.coach.chat import ChatSession, Coach
from rag_coach.evaluation.answers import has_fact, load_set
from rag_coach.logistic import Logistic, split_of


def _recall(texts: list[str], facts: list[str]) -> float:
    joined = " ".join(texts)
    return sum(has_fact(joined, f) for f in facts) / len(facts) if facts else 1.0


def evidence_rows(coach: Coach, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    embed = coach.retriever.embedder.embed_documents
    rows = []
    for row in questions:
        session = ChatSession(row.get("company") or "general", row.get("round") or "all")
        hits, _ = coach.retrieve(session, row["question"])
        items = ev.candidates(hits)
        feats = ev.unit_features(row["question"], items, embed)
        rows.append({"id": row["id"], "split": split_of(row["id"]), "question": row["question"],
                     "kind": ev.question_type(row["question"]), "facts": row["required_facts"], "items": items,
                     "features": feats, "labels": [int(any(has_fact(it.text, f) for f in row["required_facts"])) for it in items],
                     "ceiling": _recall([h.chunk.text for h in hits], row["required_facts"])})
    return rows


def _ranked(row: dict[str, Any], model: Logistic | None) -> list[ev.EvidenceItem]:
    """The row's units ranked by ``model`` (None: by cosine alone)."""
    return ev.rank(row["items"], row["features"], model)


def recall_of(model: Logistic | None, rows: list[dict[str, Any]]) -> float | None:
    if not rows:
        return None
    return round(sum(_recall([it.text for it in ev.pick(_ranked(r, model), r["kind"])], r["facts"]) for r in rows)
                 / len(rows), 3)


def fit_scorer(rows: list[dict[str, Any]]) -> Logistic:
    units = [(f, y) for r in rows for f, y in zip(r["features"], r["labels"])]
    m = logistic.fit([f for f, _ in units], [y for _, y in units], ev.UNIT_FEATURES)
    return Logistic(m.features, m.weights, m.bias, m.means, m.scales, 0.5,
                    f"{len(units)} units of {len(rows)} fit-split coaching questions")


def evaluate_evidence(coach: Coach, write: Path | None = None) -> dict[str, Any]:
    rows = evidence_rows(coach, load_set("coaching_questions.jsonl"))
    fitted = fit_scorer([r for r in rows if r["split"] == "fit"])
    if write is not None:
        fitted.save(write)
    split = {s: [r for r in rows if r["split"] == s] for s in ("fit", "report")}
    try:
        shipped: Logistic | None = ev.shipped_model()
    except FileNotFoundError:  # before the first --write
        shipped = None
    report: dict[str, Any] = {
        "features": list(ev.UNIT_FEATURES), "keep": ev.KEEP, "floor": ev.FLOOR,
        "fitted": {"weights": [round(w, 3) for w in fitted.weights], "bias": round(fitted.bias, 3),
                   "fitted_on": fitted.fitted_on},
        "written": str(write) if write else None,
    }
    for s, subset in split.items():
        report[s] = {"questions": len(subset), "recall_fitted": recall_of(fitted, subset),
                     "recall_shipped": recall_of(shipped, subset) if shipped else None, "recall_cosine_only": recall_of(None, subset),
                     "ceiling_passages": round(sum(r["ceiling"] for r in subset) / len(subset), 3) if subset else None}
    report["text"] = "\n".join(
        [f"evidence scorer fitted on {fitted.fitted_on}; weights "
         + ", ".join(f"{n} {w:+.2f}" for n, w in zip(ev.UNIT_FEATURES, fitted.weights))]
        + [f"{s} half ({report[s]['questions']} questions): required-fact recall of the picked evidence: fitted "
           f"{report[s]['recall_fitted']}, shipped {report[s]['recall_shipped']}, cosine only {report[s]['recall_cosine_only']}; "
           f"in the retrieved passages {report[s]['ceiling_passages']}" for s in split])
    return report

"""`rag-coach eval feedback`: interview feedback against labelled answers.

Sets (``evaluation/sets``):

* ``graded_answers.jsonl`` — good / mediocre / bad answers to 36 questions with reference grades and
  the catalog mistakes each makes, plus three invalid answers;
* ``length_pairs.jsonl`` — the counter-length set: long, confident, wrong answers paired with short,
  correct ones on the same question (good > bad must not be a length effect);
* ``offtopic_answers.jsonl`` — answers that must not be scored (another question's answer, a
  memorised template, another company's principles).

Each answer goes through screening and the grader exactly as in a mock interview; every check's
P(yes) and the mistake features are kept in the records (``--records``), so ``--from-records`` can
re-summarise and refit without the model. The mistake model is fitted on the *fit* half (split by
question id, so no reported question was seen by the fit) and reported on the other half.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import jsonschema

from rag_coach import logistic
from rag_coach.evaluation.answers import load_set
from rag_coach.interview import mistakes as mistakes_mod
from rag_coach.logistic import Logistic, split_of
from rag_coach.stats import percentiles

if TYPE_CHECKING:
    from rag_coach.services import Services

log = logging.getLogger(__name__)

ORDER = {"bad": 0, "mediocre": 1, "good": 2}
MAX_CLEAN_NAMED = 0.5  # mistakes the feedback may name, on average, on an answer labelled with none
SETS = ("graded_answers.jsonl", "length_pairs.jsonl", "offtopic_answers.jsonl")


def load_rows(sets: Sequence[str] = SETS) -> list[dict[str, Any]]:
    rows = []
    for name in sets:
        for row in load_set(name):
            rows.append({**row, "set": name.removesuffix(".jsonl")})
    return rows


def select_rows(rows: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """Up to ``limit`` graded-set answers as whole question groups rotating through the rounds, the invalid
    answers (screened, no model call), and up to ``limit`` counter-length pairs and off-topic answers."""
    if limit is None:
        return rows
    by_question: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["set"] == "graded_answers" and r.get("reference") is not None:
            by_question[r["question_id"]].append(r)
    by_round: dict[str, list[list[dict[str, Any]]]] = defaultdict(list)
    for group in by_question.values():
        by_round[group[0]["round"]].append(group)
    picked: list[dict[str, Any]] = []
    while len(picked) < limit and any(by_round.values()):
        for queue in by_round.values():
            if queue and len(picked) < limit:
                picked += queue.pop(0)
    pairs = sorted({r["pair"] for r in rows if r["set"] == "length_pairs"})[:limit]
    return (picked + [r for r in rows if r["set"] == "graded_answers" and r.get("reference") is None]
            + [r for r in rows if r["set"] == "length_pairs" and r["pair"] in pairs]
            + [r for r in rows if r["set"] == "offtopic_answers"][:limit])


DRAFT_WITHHELD = 200  # characters a candidate types after the last draft the warm-up evaluated (see grade_rows)


def grade_rows(services: Services, rows: list[dict[str, Any]],
               progress: Callable[[int, int, dict[str, Any]], None] | None = None,
               draft_withheld: int | None = DRAFT_WITHHELD) -> list[dict[str, Any]]:
    """Screen and grade every row as a mock interview would; one record per row. As in a mock interview, the
    question's content-free checks are prepared first (``prepare_seconds``: the candidate is still answering
    then), then the draft answer is evaluated (``draft_seconds``, also while answering): the answer without its
    last ``draft_withheld`` characters (None: no draft). ``seconds`` is the wait after submit."""
    bank = services.question_bank
    grader = services.interviews.grader
    records = []
    for i, row in enumerate(rows, start=1):
        question = bank.get(row["question_id"])
        start = time.perf_counter()
        grader.prepare(question, company=row.get("company"))
        prepared = time.perf_counter() - start
        drafted = None
        if draft_withheld is not None and len(row["answer"]) > draft_withheld:
            start = time.perf_counter()
            grader.prefill(question, row["answer"][: len(row["answer"]) - draft_withheld], company=row.get("company"))
            drafted = round(time.perf_counter() - start, 2)
        result = services.interviews.grade_answer(question, row["answer"], company=row.get("company"))
        rec = {"id": row["id"], "set": row["set"], "question_id": row["question_id"], "round": row["round"],
               "quality": row.get("quality") or row.get("kind"), "pair": row.get("pair"), "reference": row.get("reference"),
               "expected_mistake_ids": row.get("expected_mistake_ids") or [], "split": split_of(row["question_id"]),
               "status": result.status, "reason": result.reason, "seconds": round(result.seconds, 2),
               "prepare_seconds": round(prepared, 2), "draft_seconds": drafted, "draft_withheld": draft_withheld,
               "screen": result.screen, "checks": result.checks,
               "feedback": result.feedback.model_dump(mode="json") if result.feedback is not None else None}
        records.append(rec)
        log.info("[%d/%d] %s %s -> %s%s", i, len(rows), row["id"], rec["quality"], result.status,
                 f" overall={result.feedback.overall}" if result.feedback else "")
        if progress:
            progress(i, len(rows), rec)
    return records


def _share(num: float, den: int) -> float | None:
    return round(num / den, 3) if den else None


# -- mistakes -----------------------------------------------------------------------------------------
def mistake_pairs(records: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, float], int]]:
    """(record, features, label) for every checked mistake of every graded genuine answer."""
    out = []
    for r in records:
        if r["status"] == "ok" and r["checks"] and r["reference"] is not None:
            for c in r["checks"]["mistakes"]:
                out.append((r, c["features"], int(c["id"] in r["expected_mistake_ids"])))
    return out


def fit_mistakes(records: list[dict[str, Any]]) -> Logistic:
    """Fit the mistake model on the fit half (weights kept non-negative); threshold: best F1 of named vs
    labelled mistakes there, among thresholds that name at most ``MAX_CLEAN_NAMED`` mistakes per answer
    labelled with none (a good answer must rarely be accused of a mistake)."""
    pairs = [p for p in mistake_pairs(records) if p[0]["split"] == "fit"]
    model = logistic.fit([f for _, f, _ in pairs], [y for _, _, y in pairs], mistakes_mod.FEATURES)
    # every feature means "more likely this mistake": a negative weight is noise of a small fit set, not a rule
    model = Logistic(model.features, tuple(max(0.0, w) for w in model.weights), model.bias, model.means, model.scales)
    probs = [model.probability(f) for _, f, _ in pairs]
    labels = [y for _, _, y in pairs]
    clean = [not r["expected_mistake_ids"] for r, _, _ in pairs]
    clean_answers = max(1, len({r["id"] for r, _, _ in pairs if not r["expected_mistake_ids"]}))

    def objective(t: float) -> float:
        """F1 of named vs labelled mistakes, if a clean answer is accused of at most MAX_CLEAN_NAMED on average."""
        if sum(p >= t for p, c in zip(probs, clean) if c) / clean_answers > MAX_CLEAN_NAMED:
            return -1.0
        tp = sum(p >= t and y for p, y in zip(probs, labels))
        fp = sum(p >= t and not y for p, y in zip(probs, labels))
        fn = sum(p < t and y for p, y in zip(probs, labels))
        return 2 * tp / max(1, 2 * tp + fp + fn)

    questions = len({r["question_id"] for r, _, _ in pairs})
    return model.with_threshold(logistic.best_threshold(probs, objective),
                                f"{len(pairs)} checked mistakes of the fit-split answers ({questions} questions) "
                                "of graded_answers + length_pairs")


def mistake_metrics(records: list[dict[str, Any]], model: Logistic) -> dict[str, Any]:
    """Top-1 / top-3 accuracy (a labelled mistake among the best-ranked k), recall and precision of the
    mistakes the feedback would name, and mistakes named on good answers."""
    labelled = top1 = top3 = named_total = named_right = expected_total = good = good_named = 0
    shortlisted = 0
    for r in records:
        if r["status"] != "ok" or not r["checks"] or r["reference"] is None:
            continue
        checks = sorted(r["checks"]["mistakes"], key=lambda c: -model.probability(c["features"]))
        found = [f["mistake_id"] for f in r["checks"].get("findings") or [] if f.get("mistake_id")]  # the rules' first
        ranked = list(dict.fromkeys(found + [c["id"] for c in checks]))
        named = list(dict.fromkeys(found + [c["id"] for c in checks if model.probability(c["features"]) >= model.threshold]
                                   [: mistakes_mod.MAX_REPORTED]))
        expected = set(r["expected_mistake_ids"])
        if expected:
            labelled += 1
            shortlisted += bool(expected & set(ranked))
            top1 += bool(ranked[:1] and ranked[0] in expected)
            top3 += bool(expected & set(ranked[:3]))
            expected_total += len(expected)
            named_right += len(expected & set(named))
        named_total += len(named)
        if not expected:
            good += 1
            good_named += len(named)
    return {"labelled_answers": labelled, "top1": _share(top1, labelled), "top3": _share(top3, labelled),
            "labelled_in_shortlist": _share(shortlisted, labelled), "recall_named": _share(named_right, expected_total),
            "precision_named": _share(named_right, named_total), "named_per_clean_answer": _share(good_named, good)}


# -- scores and the written part -------------------------------------------------------------------------
def ordering(records: list[dict[str, Any]], high: str, low: str) -> dict[str, Any]:
    overall = {(r["question_id"], r["pair"] or "", r["quality"]): r["feedback"]["overall"]
               for r in records if r["status"] == "ok" and r["feedback"]}
    pairs = [(overall[k], overall[(k[0], k[1], low)]) for k in overall if k[2] == high and (k[0], k[1], low) in overall]
    return {"pairs": len(pairs), "higher": _share(sum(a > b for a, b in pairs), len(pairs)),
            "ties": _share(sum(a == b for a, b in pairs), len(pairs))}


def unmet_strengths(record: dict[str, Any]) -> int:
    """Strengths that name a rubric item the rubric table does not mark met (must be 0 by construction)."""
    fb = record["feedback"]
    met = {row["item"] for row in fb.get("rubric", []) if row["met"] == "yes"}
    items = {row["item"] for row in fb.get("rubric", [])}
    return sum(1 for s in fb["strengths"] if any(s.startswith(i) for i in items) and not any(s.startswith(i) for i in met))


def summarise(records: list[dict[str, Any]], model: Logistic | None = None) -> dict[str, Any]:
    from scipy.stats import spearmanr

    from rag_coach.interview.feedback import feedback_errors, published_schema

    model = model or mistakes_mod.shipped_model()
    genuine = [r for r in records if r["reference"] is not None]
    offtopic = [r for r in records if r["set"] == "offtopic_answers"]
    invalid = [r for r in records if r["set"] == "graded_answers" and r["reference"] is None]
    ok = [r for r in genuine if r["status"] == "ok"]
    graded_set = [r for r in ok if r["set"] == "graded_answers"]
    exact = within = total = 0
    for r in graded_set:
        for name, ref in r["reference"]["dimensions"].items():
            got = r["feedback"]["dimensions"][name]["score"]
            total, exact, within = total + 1, exact + (got == ref), within + (abs(got - ref) <= 1)
    got, ref = [r["feedback"]["overall"] for r in graded_set], [r["reference"]["overall"] for r in graded_set]
    rho = None
    if len(graded_set) >= 3 and len(set(got)) > 1 and len(set(ref)) > 1:
        value = spearmanr(got, ref).statistic
        rho = None if math.isnan(value) else round(float(value), 3)
    by_round = {rnd: ordering([r for r in graded_set if r["round"] == rnd], "good", "bad")["higher"]
                for rnd in sorted({r["round"] for r in graded_set})}
    schema = jsonschema.Draft202012Validator(published_schema())  # the derived schema must agree with the model
    valid = sum(not feedback_errors(r["feedback"]) and schema.is_valid(r["feedback"]) for r in ok)
    timed = [r["seconds"] for r in ok]
    first_of_question = {}
    for r in records:  # the preparation works once per question (then it is cached)
        first_of_question.setdefault(r["question_id"], r)
    prepared = [r["prepare_seconds"] for r in first_of_question.values() if "prepare_seconds" in r]
    report = {
        "rows": len(records), "genuine": len(genuine), "graded": len(ok),
        "genuine_refused": _share(sum(r["status"] == "refused" for r in genuine), len(genuine)),
        "genuine_refused_ids": [r["id"] for r in genuine if r["status"] == "refused"],
        "failed": sum(r["status"] == "failed" for r in genuine),
        "schema_valid_rate": _share(valid, len(ok)),
        "strengths_for_unmet_items": sum(unmet_strengths(r) for r in ok),
        "good_over_bad": ordering(graded_set, "good", "bad"),
        "good_over_bad_by_round": by_round,
        "good_over_mediocre": ordering(graded_set, "good", "mediocre"),
        "mediocre_over_bad": ordering(graded_set, "mediocre", "bad"),
        "counter_length_short_good_over_long_bad": ordering([r for r in ok if r["set"] == "length_pairs"],
                                                            "short_good", "long_bad"),
        "dimension_exact": _share(exact, total), "dimension_within_one": _share(within, total),
        "spearman_overall": rho,
        "findings_by_rule": dict(sorted(Counter(f["rule"] for r in ok for f in (r.get("checks") or {}).get("findings", [])).items())),
        "findings_on_good_answers": sum(len((r.get("checks") or {}).get("findings", [])) for r in ok
                                        if r["quality"] in ("good", "short_good")),
        "mistakes_report_half": mistake_metrics([r for r in ok if r["split"] == "report"], model),
        "mistakes_fit_half": mistake_metrics([r for r in ok if r["split"] == "fit"], model),
        "offtopic_refused": _share(sum(r["status"] == "refused" for r in offtopic), len(offtopic)),
        "offtopic_by_kind": {k: f"{sum(r['status'] == 'refused' for r in offtopic if r['quality'] == k)}/"
                                f"{sum(r['quality'] == k for r in offtopic)}" for k in sorted({r["quality"] for r in offtopic})},
        "invalid_refused": f"{sum(r['status'] == 'refused' for r in invalid)}/{len(invalid)}",
        **percentiles(timed, prefix="seconds_per_grading_p"),  # after submit (records without prepare_seconds: all checks)
        **percentiles(prepared, prefix="prepare_seconds_per_question_p"),  # while the candidate answers
        "mistake_model": model.fitted_on or "hand-set (not fitted)",
    }
    return report


def format_report(report: dict[str, Any]) -> str:
    return "\n".join(f"{k}: {json.dumps(v) if isinstance(v, dict | list) else v}" for k, v in report.items())

"""`rag-coach eval signals`: how each deterministic answer check fares on the labelled answers (no model).

For every rule of :mod:`rag_coach.interview.signals` (and the code run where a question has tests)
over ``graded_answers.jsonl`` + ``length_pairs.jsonl``: how often it fires on answers labelled with
its mistake (caught; for the code run, which has no one catalog mistake, any answer not labelled
good), on other answers, and on answers labelled good (must be 0), per half of the split. Seconds,
no model.

:func:`rescore` re-applies the current checks to records written by ``eval feedback --records``
(the model's stored P(yes) stay), so a change to a rule is measured without grading again.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from rag_coach.evaluation.answers import load_set
from rag_coach.interview import mistakes as mistakes_mod
from rag_coach.interview import signals
from rag_coach.interview.code_check import run_for_grading
from rag_coach.interview.feedback import Checks, finalize
from rag_coach.interview.mistakes import MistakeCheck, MistakeVerdict
from rag_coach.logistic import split_of

if TYPE_CHECKING:
    from rag_coach.interview.questions import QuestionBank

GOOD = ("good", "short_good")
SETS = ("graded_answers.jsonl", "length_pairs.jsonl")


def labelled_rows() -> list[dict[str, Any]]:
    return [{**row, "set": name.removesuffix(".jsonl")} for name in SETS for row in load_set(name)
            if row.get("reference") is not None]


def evaluate_signals(rows: list[dict[str, Any]], bank: QuestionBank) -> dict[str, Any]:
    """Per rule: labelled answers caught, fires on answers without its label, fires on good answers."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    good_fires: list[str] = []
    for row in rows:
        question = bank.get(row["question_id"])
        run = run_for_grading(question, row["answer"])
        fired = {f.rule for f in signals.findings(row["round"], row["answer"], question=question, code_run=run)}
        names = [rule.__name__ for rule in signals.RULES.get(row["round"], ())]
        if run is not None:  # the code was run: the failing-code rule applies
            names.insert(0, "failing_code")
        for name in names:
            mistake_id = signals.MISTAKE_OF[name]  # None: the rule has no catalog mistake; any non-good answer counts
            labelled = mistake_id in (row.get("expected_mistake_ids") or []) if mistake_id else row.get("quality") not in GOOD
            hit = name in fired
            half = split_of(row["question_id"])
            cell = table[name]
            cell[f"labelled_{half}"] += labelled
            cell[f"caught_{half}"] += labelled and hit
            cell[f"fires_unlabelled_{half}"] += hit and not labelled
            if hit and row.get("quality") in GOOD:
                cell["fires_on_good"] += 1
                good_fires.append(f"{row['id']}:{name}")
    rules = {name: dict(cell) for name, cell in table.items()}
    return {"answers": len(rows), "rules": rules, "fires_on_good": good_fires}


def format_signals(report: dict[str, Any]) -> str:
    lines = [f"{report['answers']} labelled answers (graded set + counter-length pairs)",
             f"{'rule':18} {'caught fit':>11} {'caught report':>14} {'other fit':>10} {'other report':>13} {'on good':>8}"]
    for name, c in report["rules"].items():
        lines.append(f"{name:18} {c.get('caught_fit', 0):>5}/{c.get('labelled_fit', 0):<5} "
                     f"{c.get('caught_report', 0):>7}/{c.get('labelled_report', 0):<6} {c.get('fires_unlabelled_fit', 0):>10} "
                     f"{c.get('fires_unlabelled_report', 0):>13} {c.get('fires_on_good', 0):>8}")
    lines.append("fires on good answers: " + (", ".join(report["fires_on_good"]) or "none"))
    return "\n".join(lines)


def _checks_of(record: dict[str, Any], answer: str, bank: QuestionBank) -> Checks:
    """The stored model checks of a record, with the current deterministic findings."""
    question = bank.get(record["question_id"])
    stored, fb = record["checks"], record["feedback"]
    verdict = MistakeVerdict([MistakeCheck(c["id"], c["p_yes"], c["p_null"], c["features"], c["probability"], c["matched"])
                              for c in stored["mistakes"]])
    return Checks(list(stored["rubric"]), dict(stored["dimensions"]), [row["evidence"] for row in fb["rubric"]],
                  {name: d["evidence"] for name, d in fb["dimensions"].items()}, rubric_null=list(stored["rubric_null"]) or None,
                  dimension_null=dict(stored["dimensions_null"]) or None, mistakes=verdict,
                  findings=signals.findings(record["round"], answer, question=question, code_run=run_for_grading(question, answer)))


def rescore(records: list[dict[str, Any]], bank: QuestionBank, shortlist: int | None = None,
            embed: mistakes_mod.Embed | None = None) -> list[dict[str, Any]]:
    """Records with findings and feedback recomputed by the current code from the stored P(yes); with
    ``shortlist``, only the stored mistake checks the first ``shortlist`` of the current shortlist order would
    have asked (what a smaller ``interview.mistake_shortlist`` would have found, without the model)."""
    answers = {row["id"]: row["answer"] for name in (*SETS, "offtopic_answers.jsonl") for row in load_set(name)}
    out = []
    for record in records:
        if record["status"] != "ok" or not record.get("checks") or record["id"] not in answers:
            out.append(record)
            continue
        if shortlist is not None:
            kept = {m.id for m in mistakes_mod.shortlist(bank, bank.get(record["question_id"]), answers[record["id"]],
                                                         shortlist, embed)}
            record = {**record, "checks": {**record["checks"],
                                           "mistakes": [c for c in record["checks"]["mistakes"] if c["id"] in kept]}}
        checks = _checks_of(record, answers[record["id"]], bank)
        feedback = finalize(bank.get(record["question_id"]), checks, bank=bank)
        out.append({**record, "checks": {**record["checks"], "findings": [f.to_dict() for f in checks.findings]},
                    "feedback": feedback.model_dump(mode="json")})
    return out

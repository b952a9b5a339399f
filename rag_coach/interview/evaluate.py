"""Feedback quality on ``evaluation/sets/graded_answers.jsonl``: validity, agreement, ordering, refusals.

Entry point for ``rag-coach eval feedback``. Every valid answer costs one model grading (30-60 s on
a 2-core CPU), so ``limit`` picks whole question groups (good/mediocre/bad together) rotating
through the rounds; the invalid answers are always screened (no model call).
"""

from __future__ import annotations

import json
import logging
import math
import statistics
from collections import defaultdict
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag_coach.services import Services

log = logging.getLogger(__name__)

ORDER = {"bad": 0, "mediocre": 1, "good": 2}


def load_rows(path: str | Path | None = None) -> list[dict[str, Any]]:
    if path is None:
        text = resources.files("rag_coach.evaluation").joinpath("sets/graded_answers.jsonl").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def select_rows(rows: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """All invalid rows plus up to ``limit`` valid ones, whole question groups, alternating rounds."""
    invalid = [r for r in rows if r.get("reference") is None]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r.get("reference") is not None:
            groups[r["question_id"]].append(r)
    if limit is None:
        return [r for g in groups.values() for r in g] + invalid
    by_round: dict[str, list[list[dict[str, Any]]]] = defaultdict(list)
    for g in groups.values():
        by_round[g[0]["round"]].append(g)
    picked: list[dict[str, Any]] = []
    while len(picked) < limit and any(by_round.values()):
        for queue in by_round.values():
            if queue and len(picked) < limit:
                picked += queue.pop(0)[: limit - len(picked)]
    return picked + invalid


def _share(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def evaluate_feedback(
    services: Services, rows: list[dict[str, Any]], progress: Callable[[int, int, dict[str, Any]], None] | None = None
) -> dict[str, Any]:
    """Grade every row through screening + grader and compare with the reference grades."""
    bank = services.question_bank
    service = services.interviews
    records: list[dict[str, Any]] = []
    for i, row in enumerate(rows, start=1):
        question = bank.get(row["question_id"])
        result = service.grade_answer(question, row["answer"], company=row.get("company"))
        rec = {"id": row["id"], "question_id": row["question_id"], "round": row["round"], "quality": row["quality"],
               "reference": row.get("reference"), "expected_mistake_ids": row.get("expected_mistake_ids", []),
               "status": result.status, "reason": result.reason, "repaired": result.repaired,
               "truncated": result.truncated, "attempts": result.attempts, "seconds": round(result.seconds, 1),
               "prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
               "screen": (result.screen or {}).get("code"), "feedback": result.feedback,
               "checks": result.checks,
               "evidence_empty": sum(not d["evidence"] for d in (result.feedback or {}).get("dimensions", {}).values())}
        records.append(rec)
        log.info("[%d/%d] %s %s -> %s%s", i, len(rows), row["id"], row["quality"], result.status,
                 f" overall={result.feedback['overall']}" if result.feedback else "")
        if progress:
            progress(i, len(rows), rec)
    return summarise(records)


def _p_yes_by_quality(records: list[dict[str, Any]]) -> dict[str, float]:
    """Mean P(yes) of the rubric checks per answer quality: how far apart the model holds them."""
    by: dict[str, list[float]] = defaultdict(list)
    for r in records:
        if r.get("checks"):
            by[r["quality"]] += r["checks"]["rubric"]
    return {q: round(statistics.mean(v), 3) for q, v in sorted(by.items(), key=lambda kv: ORDER.get(kv[0], 9)) if v}


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    from scipy.stats import spearmanr

    valid = [r for r in records if r["reference"] is not None]
    invalid = [r for r in records if r["reference"] is None]
    graded = [r for r in valid if r["status"] != "refused"]
    ok = [r for r in graded if r["status"] == "ok"]
    exact = within = total = 0
    for r in ok:
        for name, ref in r["reference"]["dimensions"].items():
            got = r["feedback"]["dimensions"][name]["score"]
            total += 1
            exact += got == ref
            within += abs(got - ref) <= 1
    overall = {(r["question_id"], r["quality"]): r["feedback"]["overall"] for r in ok}
    rounds = {r["question_id"]: r["round"] for r in ok}
    good_bad = [(overall[(q, "good")], overall[(q, "bad")], rounds[q]) for (q, quality) in overall
                if quality == "good" and (q, "bad") in overall]
    by_round: dict[str, list[bool]] = defaultdict(list)
    for g, b, round_ in good_bad:
        by_round[round_].append(g > b)
    ordered = [(overall[a], overall[b]) for a in overall for b in overall
               if a[0] == b[0] and ORDER[a[1]] > ORDER[b[1]]]
    rho: float | None = None
    got, ref = [r["feedback"]["overall"] for r in ok], [r["reference"]["overall"] for r in ok]
    if len(ok) >= 3 and len(set(got)) > 1 and len(set(ref)) > 1:  # undefined for constant input
        value = spearmanr(got, ref).statistic
        rho = None if math.isnan(value) else round(float(value), 3)
    expected = [(m, r) for r in ok for m in r["expected_mistake_ids"]]
    cited = sum(any(w.get("mistake_id") == m for w in r["feedback"]["weaknesses"]) for m, r in expected)
    dims_total = sum(len(r["feedback"]["dimensions"]) for r in ok)
    timed = [r["seconds"] for r in graded]
    return {
        "rows": len(records),
        "valid_answers": len(valid),
        "graded": len(graded),
        "false_refusals": len(valid) - len(graded),
        "schema_valid_rate": _share(len(ok), len(graded)),
        "first_attempt_valid_rate": _share(sum(r["status"] == "ok" and not r["repaired"] for r in graded), len(graded)),
        "truncation_rate": _share(sum(r["truncated"] for r in graded), len(graded)),
        "repair_rate": _share(sum(r["repaired"] for r in graded), len(graded)),
        "failure_rate": _share(sum(r["status"] == "failed" for r in graded), len(graded)),
        "good_over_bad": _share(sum(g > b for g, b, _ in good_bad), len(good_bad)),
        "good_bad_pairs": len(good_bad),
        "good_over_bad_by_round": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_round.items())},
        "ordered_pairs": _share(sum(hi > lo for hi, lo in ordered), len(ordered)),
        "ordered_pair_count": len(ordered),
        "dimension_exact": _share(exact, total),
        "dimension_within_one": _share(within, total),
        "overall_exact": _share(sum(r["feedback"]["overall"] == r["reference"]["overall"] for r in ok), len(ok)),
        "spearman_overall": rho,
        "mistake_recall": _share(cited, len(expected)),
        "evidence_empty_rate": _share(sum(r["evidence_empty"] for r in ok), dims_total),

        "rubric_p_yes_by_quality": _p_yes_by_quality(graded),
        "invalid_refused": f"{sum(r['status'] == 'refused' for r in invalid)}/{len(invalid)}",
        "invalid_reasons": {r["id"]: r["screen"] for r in invalid},
        "seconds_per_grading": round(statistics.mean(timed), 1) if timed else None,
        "prompt_tokens_mean": round(statistics.mean(r["prompt_tokens"] for r in graded)) if graded else None,
        "completion_tokens_mean": round(statistics.mean(r["completion_tokens"] for r in graded)) if graded else None,
        "details": [{k: v for k, v in r.items() if k not in ("feedback", "reference", "expected_mistake_ids")}
                    | {"overall": r["feedback"]["overall"] if r["feedback"] else None,
                       "reference_overall": (r["reference"] or {}).get("overall")} for r in records],
    }


def format_report(report: dict[str, Any]) -> str:
    keys = [k for k in report if k not in ("details", "invalid_reasons")]
    lines = [f"{k}: {report[k]}" for k in keys]
    lines.append("invalid answers: " + ", ".join(f"{k}={v}" for k, v in report["invalid_reasons"].items()))
    lines.append("per answer:")
    for d in report["details"]:
        lines.append(f"  {d['id']} {d['round']:<13} {d['quality']:<8} {d['status']:<8} overall={d['overall']} "
                     f"ref={d['reference_overall']} repaired={d['repaired']} {d['seconds']}s")
    return "\n".join(lines)

"""`eval signals` and `eval feedback --from-records --rescore`: the deterministic checks measured without a model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rag_coach.evaluation.feedback_eval import ordering, summarise
from rag_coach.evaluation.signals_eval import rescore
from rag_coach.interview.questions import QuestionBank

REPO = Path(__file__).resolve().parents[2]
RECORDS = REPO / "docs/results/feedback_records_2026-12-03.json"  # real model checks stored by a past run


def test_rescore_applies_the_current_checks_to_stored_model_checks(bank: QuestionBank) -> None:
    records = json.loads(RECORDS.read_text(encoding="utf-8"))
    rescored = rescore(records, bank)
    by_id = {r["id"]: r for r in rescored}
    before = {r["id"]: r for r in records}
    lp001 = by_id["lp001"]  # returns sorted positions, and "O(n) time" next to prices.sort(): both caught
    assert [f["rule"] for f in lp001["checks"]["findings"]] == ["failing_code", "complexity_claim"]
    assert lp001["feedback"]["dimensions"]["complexity_analysis"]["score"] == 1
    assert lp001["feedback"]["overall"] < before["lp001"]["feedback"]["overall"]
    assert lp001["checks"]["rubric"] == before["lp001"]["checks"]["rubric"]  # the model's P(yes) are kept
    pairs = [r for r in rescored if r["set"] == "length_pairs"]
    old_pairs = [r for r in records if r["set"] == "length_pairs"]
    assert ordering(pairs, "short_good", "long_bad")["higher"] > ordering(old_pairs, "short_good", "long_bad")["higher"]
    report = summarise(rescored)
    assert report["strengths_for_unmet_items"] == 0 and report["schema_valid_rate"] == 1.0


def test_eval_signals_cli_reports_every_rule_and_no_fire_on_good_answers() -> None:
    out = subprocess.run([sys.executable, "-m", "rag_coach.cli", "eval", "signals", "--json"], cwd=REPO, env=dict(os.environ),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["answers"] == 152 and report["fires_on_good"] == []
    assert {"complexity_claim", "single_point", "hypothetical", "we_not_i", "no_figure"} <= set(report["rules"])


def test_rescore_with_a_smaller_shortlist_keeps_the_linked_mistakes_first(bank: QuestionBank, embedder) -> None:
    records = [r for r in json.loads(RECORDS.read_text(encoding="utf-8")) if r["status"] == "ok"][:6]
    small = rescore(records, bank, shortlist=2, embed=embedder.embed_documents)
    for before, after in zip(records, small):
        kept = [c["id"] for c in after["checks"]["mistakes"]]
        linked = bank.get(before["question_id"]).mistake_ids
        assert len(kept) == min(2, len(before["checks"]["mistakes"])) and set(kept) <= {c["id"] for c in before["checks"]["mistakes"]}
        assert set(linked[:2]) <= set(kept)  # the question's own mistakes are always asked first
        assert after["checks"]["rubric"] == before["checks"]["rubric"]
    assert rescore(records, bank, shortlist=8, embed=embedder.embed_documents)[0]["checks"]["mistakes"] == records[0]["checks"]["mistakes"]

"""The typed feedback model, its derived schema, the deterministic scoring rules and the written part."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from rag_coach.interview.answer_text import answer_units
from rag_coach.interview.dimensions import dimensions_for, rounds
from rag_coach.interview.feedback import Checks, Feedback, feedback_errors, finalize, published_schema
from rag_coach.interview.questions import QuestionBank
from rag_coach.interview.scoring import (
    DIM_BAND,
    ITEM_BAND,
    KEY_DIMENSION,
    PRIOR,
    penalise_hints,
    compute_overall,
    credit,
    dimension_scores,
    lift,
)
from rag_coach.interview.mistakes import MistakeCheck, MistakeVerdict

ANSWER = "First I ask whether prices repeat. Then I keep a map from price to index, checking B - p before inserting."
UNITS = answer_units(ANSWER)
QID = "q.amazon.coding.gift_card_pair"


def test_published_schema_is_derived_from_the_model_and_committed() -> None:
    schema = published_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    committed = Path(__file__).parents[2] / "docs" / "feedback_schema.json"
    assert json.loads(committed.read_text(encoding="utf-8")) == schema, (
        "docs/feedback_schema.json is stale: python -m rag_coach.interview.feedback > docs/feedback_schema.json")


def test_dimensions_per_round_are_exact() -> None:
    assert list(dimensions_for("coding")) == [
        "problem_understanding", "approach", "correctness", "complexity_analysis", "edge_cases", "communication"]
    assert list(dimensions_for("system_design")) == ["requirements", "high_level_design", "deep_dive", "tradeoffs", "scaling"]
    assert list(dimensions_for("behavioral")) == [
        "star_completeness", "specificity_ownership", "measurable_result", "principle_alignment"]
    assert len(dimensions_for("product")) == 5 and len(dimensions_for("ml_design")) == 5
    assert all(KEY_DIMENSION[r] in dimensions_for(r) for r in rounds())
    with pytest.raises(ValueError):
        dimensions_for("all")


def test_the_model_and_the_derived_schema_reject_the_same_bad_objects(bank: QuestionBank) -> None:
    good = finalize(bank.get(QID), _checks(bank.get(QID), 0.99), bank=bank).model_dump(mode="json")
    schema = jsonschema.Draft202012Validator(published_schema())
    assert feedback_errors(good) == [] and schema.is_valid(good)
    assert Feedback.model_validate_json(json.dumps(good)).model_dump(mode="json") == good  # round trip
    missing = {k: v for k, v in good.items() if k != "next_steps"}
    extra = dict(good, score_by_model=4)
    too_many = dict(good, weaknesses=[{"text": "x", "mistake_id": None}] * 6)
    bad_score = json.loads(json.dumps(good))
    bad_score["dimensions"]["approach"]["score"] = 5
    other_round = dict(good, dimensions={name: {"evidence": "", "score": 3} for name in dimensions_for("behavioral")})
    missing_dimension = json.loads(json.dumps(good))
    del missing_dimension["dimensions"]["edge_cases"]
    bad_mistake = dict(good, weaknesses=[{"text": "x", "mistake_id": "not an id"}])
    for bad in (missing, extra, too_many, bad_score, other_round, missing_dimension, bad_mistake, [], "text", {"weaknesses": []}):
        errors = feedback_errors(bad)
        assert errors and all(isinstance(e, str) for e in errors), bad
        assert not schema.is_valid(bad), bad
    assert any("edge_cases" in e for e in feedback_errors(missing_dimension))  # the message names what is wrong
    with pytest.raises(ValidationError):
        Feedback.model_validate(bad_score)


def test_feedback_is_immutable(bank: QuestionBank) -> None:
    fb = finalize(bank.get(QID), _checks(bank.get(QID), 0.99), bank=bank)
    with pytest.raises(ValidationError):
        fb.overall = 1  # type: ignore[misc]


def test_hint_penalty_lowers_only_the_key_dimension() -> None:
    scores = dict.fromkeys(dimensions_for("system_design"), 3)
    one = penalise_hints(scores, "system_design", 1)
    assert one["high_level_design"] == 2 and all(one[d] == 3 for d in one if d != "high_level_design")
    assert penalise_hints(scores, "system_design", 3)["high_level_design"] == 1  # floor 1
    assert penalise_hints(scores, "system_design", 0) == scores and scores["high_level_design"] == 3  # a copy
    assert penalise_hints(dict.fromkeys(dimensions_for("coding"), 4), "coding", 2)["approach"] == 2
    assert penalise_hints(dict.fromkeys(dimensions_for("behavioral"), 4), "behavioral", 1)["specificity_ownership"] == 3


def test_overall_rule() -> None:
    assert compute_overall([4, 4, 4, 4]) == 4
    assert compute_overall([4, 4, 4, 3]) == 4  # 3.75
    assert compute_overall([3, 2, 3, 2]) == 2  # 2.5 rounds down
    assert compute_overall([3, 3, 3, 2, 2]) == 3  # 2.6 rounds up
    assert compute_overall([4, 4, 4, 4, 1]) == 2  # a 1 caps at 2
    assert compute_overall([1, 1, 2]) == 1
    with pytest.raises(ValueError):
        compute_overall([])


def test_overall_rule_matches_most_reference_grades(graded_rows) -> None:
    refs = [r["reference"] for r in graded_rows if r["reference"]]
    agree = sum(compute_overall(list(ref["dimensions"].values())) == ref["overall"] for ref in refs)
    assert len(refs) == 108 and agree >= 100


def _checks(question, p: float, dims_p: float | None = None, mistake_id: str | None = None) -> Checks:
    """Checks at P(yes) ``p``; ``mistake_id``: a catalog mistake the mistake checks matched."""
    dims = {name: p if dims_p is None else dims_p for name in dimensions_for(question.round)}
    verdict = MistakeVerdict([MistakeCheck(mistake_id, 0.99, 0.5, {}, 0.9, True)] if mistake_id else [])
    return Checks([p] * len(question.rubric), dims, [UNITS[0]] * len(question.rubric), {name: UNITS[1] for name in dims},
                  mistakes=verdict)


def p_at(lift_value: float, p_null: float = PRIOR) -> float:
    """The P(yes) whose lift over ``p_null`` is ``lift_value``."""
    return 1 / (1 + math.exp(-(lift_value + math.log(p_null / (1 - p_null)))))


def test_credit_measures_the_lift_over_the_content_free_answer() -> None:
    assert lift(0.5) == 0 and lift(0.8, 0.8) == 0 and lift(0.9, 0.5) > lift(0.9, 0.8) > 0 > lift(0.3, 0.5)
    start, width = ITEM_BAND
    for p_null in (0.2, 0.5, 0.7):
        assert credit(p_at(start - 0.1, p_null), p_null) == 0.0 and credit(p_at(start + width + 0.1, p_null), p_null) == 1.0
        assert 0 < credit(p_at(start + width / 2, p_null), p_null) < 1
    assert credit(0.8, 0.2) > credit(0.8, 0.6)  # the same P(yes) means more where the baseline yes-rate is low


def test_dimension_scores() -> None:
    high, low = p_at(ITEM_BAND[0] + ITEM_BAND[1] + 0.5), p_at(ITEM_BAND[0] - 0.5)
    dims_high = dict.fromkeys(dimensions_for("coding"), p_at(DIM_BAND[0] + DIM_BAND[1] + 0.5))
    items = ["Asks whether prices can repeat", "States O(n) time and O(n) space", "Tests the empty list"]
    scores = dimension_scores(items, [high, low, high], dims_high)
    assert scores["complexity_analysis"] < scores["problem_understanding"] == 4  # its own rubric item failed
    dims_low = dict.fromkeys(dimensions_for("coding"), p_at(DIM_BAND[0] - 0.5))
    assert dimension_scores(items, [low] * 3, dims_low) == dict.fromkeys(dimensions_for("coding"), 1)
    # the same P(yes) against a higher baseline (the model says yes to that item for any answer) scores lower
    nulls = dict.fromkeys(dimensions_for("coding"), 0.9)
    plain = dimension_scores(items, [high] * 3, dims_high)
    against_high = dimension_scores(items, [high] * 3, dims_high, [0.9] * 3, nulls)
    assert set(plain.values()) == {4} and all(against_high[d] < plain[d] for d in plain)


def test_finalize_builds_a_complete_feedback(bank: QuestionBank) -> None:
    question = bank.get(QID)
    fb = finalize(question, _checks(question, 0.99, mistake_id="mistake.hashing.check_before_insert_order"), hints_used=1,
                  time_used_s=612.34, bank=bank)
    assert fb.overall == 4 and fb.dimensions["approach"].score == 3 and fb.time_used_s == 612.3
    assert fb.dimensions["approach"].evidence == UNITS[1]  # the candidate's own sentence, verbatim
    assert [c.item for c in fb.rubric] == question.rubric and all(c.met == "yes" for c in fb.rubric)
    assert fb.mistake_ids() == ["mistake.hashing.check_before_insert_order"]
    jsonschema.validate(fb.model_dump(mode="json"), published_schema())


def test_unmet_items_and_weak_dimensions_show_no_evidence(bank: QuestionBank) -> None:
    question = bank.get(QID)
    fb = finalize(question, _checks(question, 0.3))
    assert fb.overall == 1
    assert all(c.met == "no" and c.evidence == "" for c in fb.rubric)
    assert all(d.evidence == "" for d in fb.dimensions.values())


def test_written_part_is_owned_by_the_rubric_results(bank: QuestionBank) -> None:
    """The issue's case: a wrong answer must not get strengths for items the rubric table marks not shown."""
    question = bank.get(QID)
    weak = finalize(question, _checks(question, 0.3), bank=bank)
    assert weak.strengths == []  # nothing met: no praise at all
    assert "O(h) space" not in weak.model_dump_json() and "Consider using a hash map" not in weak.model_dump_json()
    assert [w.text for w in weak.weaknesses] == [f"Not shown: {item}" for item in question.rubric]
    assert weak.next_steps[0] == f"Hint for this question: {question.hints[0]}"
    strong = finalize(question, _checks(question, 0.99), bank=bank)
    for row, strength in zip(strong.rubric, strong.strengths):  # one strength per met item, quoting the answer
        assert row.met == "yes" and strength.startswith(row.item) and row.evidence in strength
    assert len(strong.strengths) == len(question.rubric)
    assert not any(w.text.startswith("Not shown") for w in strong.weaknesses)
    # by construction, for any mix: no strength names an item the table marks unmet
    for level in (0.3, 0.5, 0.7, 0.9):
        fb = finalize(question, _checks(question, level), bank=bank)
        unmet = [r.item for r in fb.rubric if r.met != "yes"]
        assert not any(s.startswith(item) for s in fb.strengths for item in unmet)
        assert all(len(s) <= 300 for s in fb.strengths + fb.next_steps)
        jsonschema.validate(fb.model_dump(mode="json"), published_schema())


def test_a_matched_catalog_mistake_brings_its_own_text_and_fix(bank: QuestionBank) -> None:
    question = bank.get(QID)
    mid = "mistake.hashing.check_before_insert_order"
    fb = finalize(question, _checks(question, 0.3, mistake_id=mid), bank=bank)
    mistake = bank.mistake(mid)
    assert fb.weaknesses[0].model_dump() == {"text": mistake.spot, "mistake_id": mid}  # the catalog's words
    assert fb.next_steps[0] == mistake.fix



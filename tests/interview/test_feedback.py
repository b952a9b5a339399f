"""The published schema, validation and the deterministic rules (hint penalty, overall)."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from rag_coach.interview.feedback import (
    KEY_DIMENSION,
    apply_hint_penalty,
    compute_overall,
    dimensions_for,
    evidence_found,
    finalize,
    published_schema,
    render_markdown,
    rounds,
    schema_for,
    validate,
)
from rag_coach.interview.questions import QuestionBank
from tests.interview.helpers import draft

ANSWER = "First I ask whether prices repeat. Then I keep a map from price to index, checking B - p before inserting."


def test_published_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = published_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    for rnd in rounds():
        jsonschema.Draft202012Validator.check_schema(schema_for(rnd))
        jsonschema.Draft202012Validator.check_schema(schema_for(rnd, ["mistake.hashing.x"], full=True))


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


def test_schema_validation_catches_bad_output(bank: QuestionBank) -> None:
    good = draft("coding", ANSWER)
    assert validate(good, "coding", bank, ANSWER).ok
    missing = copy.deepcopy(good)
    del missing["dimensions"]["edge_cases"]
    out_of_range = copy.deepcopy(good)
    out_of_range["dimensions"]["approach"]["score"] = 5
    extra = copy.deepcopy(good)
    extra["overall"] = 4  # the model may not set overall
    wrong_round = draft("behavioral", ANSWER)
    for bad in (missing, out_of_range, extra, wrong_round, [], "text", {"dimensions": {}}):
        result = validate(bad, "coding", bank, ANSWER)
        assert not result.ok and result.errors and result.feedback is None


def test_unknown_mistake_ids_are_nulled_and_evidence_must_be_quoted(bank: QuestionBank) -> None:
    obj = draft("coding", ANSWER, mistake_id="mistake.hashing.invented_by_model")
    obj["weaknesses"].append({"text": "order", "mistake_id": "mistake.hashing.check_before_insert_order"})
    obj["dimensions"]["approach"]["evidence"] = "  KEEP a map from   price to index "  # case/whitespace differ
    obj["dimensions"]["correctness"]["evidence"] = "I used dynamic programming"  # not in the answer
    result = validate(obj, "coding", bank, ANSWER)
    assert result.ok
    assert result.unknown_mistake_ids == ["mistake.hashing.invented_by_model"]
    assert [w["mistake_id"] for w in result.feedback["weaknesses"]] == [None, "mistake.hashing.check_before_insert_order"]
    assert result.evidence_missing == 1 and result.feedback["dimensions"]["correctness"]["evidence"] == ""
    assert result.feedback["dimensions"]["approach"]["evidence"] == "KEEP a map from   price to index"
    assert any("invented_by_model" in n for n in result.notes)
    assert obj["weaknesses"][0]["mistake_id"] == "mistake.hashing.invented_by_model"  # input untouched


def test_evidence_matching() -> None:
    assert evidence_found("\u201cchecking B - p before inserting.\u201d", ANSWER)
    assert evidence_found("First I ask ... before inserting", ANSWER)
    assert not evidence_found("before inserting ... First I ask", ANSWER)
    assert not evidence_found("...", ANSWER)


def test_hint_penalty_lowers_only_the_key_dimension() -> None:
    fb = draft("system_design", score=3)
    one = apply_hint_penalty(fb, "system_design", 1)
    assert one["dimensions"]["high_level_design"]["score"] == 2
    assert all(one["dimensions"][d]["score"] == 3 for d in one["dimensions"] if d != "high_level_design")
    assert apply_hint_penalty(fb, "system_design", 3)["dimensions"]["high_level_design"]["score"] == 1  # floor 1
    assert apply_hint_penalty(fb, "system_design", 0) == fb
    assert apply_hint_penalty(draft("coding", score=4), "coding", 2)["dimensions"]["approach"]["score"] == 2
    assert apply_hint_penalty(draft("behavioral", score=4), "behavioral", 1)["dimensions"]["specificity_ownership"]["score"] == 3


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


def test_finalize_builds_a_published_feedback_object_and_markdown(bank: QuestionBank) -> None:
    checked = validate(draft("coding", ANSWER, score=4, mistake_id="mistake.hashing.check_before_insert_order"), "coding", bank, ANSWER)
    fb = finalize(checked.feedback, "q.amazon.coding.gift_card_pair", "coding", hints_used=1, time_used_s=612.34)
    assert fb["overall"] == 4 and fb["dimensions"]["approach"]["score"] == 3 and fb["time_used_s"] == 612.3
    jsonschema.validate(fb, published_schema())
    assert validate(fb, "coding", bank, ANSWER).ok  # complete objects validate too
    broken = dict(fb, dimensions=draft("behavioral")["dimensions"])
    assert not validate(broken, "coding", bank, ANSWER).ok
    md = render_markdown(fb, bank)
    assert "| approach | 3/4 |" in md and "**Overall: 4/4**" in md
    assert "mistake.hashing.check_before_insert_order" in md and bank.mistake("mistake.hashing.check_before_insert_order").title in md


def test_finalize_clips_long_strings_to_the_published_limits(bank: QuestionBank) -> None:
    obj = draft("behavioral", ANSWER)
    obj["strengths"] = ["x" * 500]
    fb = finalize(validate(obj, "behavioral", bank, ANSWER).feedback, "q.amazon.behavioral.customer_obsession_1", "behavioral")
    assert len(fb["strengths"][0]) == 300
    jsonschema.validate(fb, published_schema())

"""The published schema, validation, evidence pointers and the deterministic scoring rules."""

from __future__ import annotations

import math

import copy

import jsonschema
import pytest

from rag_coach.interview.answer_text import answer_units
from rag_coach.interview.feedback import Checks
from rag_coach.interview.feedback import (
    dimensions_for,
    evidence_found,
    finalize,
    published_schema,
    SCORE_NOTE,
    render_markdown,
    rounds,
    schema_for,
    validate,
)
from rag_coach.interview.questions import QuestionBank
from rag_coach.interview.scoring import (
    DIM_BAND,
    ITEM_BAND,
    KEY_DIMENSION,
    PRIOR,
    apply_hint_penalty,
    compute_overall,
    credit,
    dimension_scores,
    lift,
)
from rag_coach.interview.mistakes import MistakeCheck, MistakeVerdict

ANSWER = "First I ask whether prices repeat. Then I keep a map from price to index, checking B - p before inserting."
UNITS = answer_units(ANSWER)
QID = "q.amazon.coding.gift_card_pair"


def test_published_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = published_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    for rnd in rounds():
        jsonschema.Draft202012Validator.check_schema(schema_for(rnd, ["mistake.hashing.x"]))


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
    good = finalize(bank.get(QID), _checks(bank.get(QID), 0.99), bank=bank)
    assert validate(good, "coding", bank).ok
    missing = copy.deepcopy(good)
    del missing["next_steps"]
    extra = dict(good, score_by_model=4)
    too_many = dict(good, weaknesses=[{"text": "x", "mistake_id": None}] * 6)
    bad_score = copy.deepcopy(good)
    bad_score["dimensions"]["approach"]["score"] = 5
    for bad in (missing, extra, too_many, bad_score, [], "text", {"weaknesses": []}):
        result = validate(bad, "coding", bank)
        assert not result.ok and result.errors and result.feedback is None


def test_unknown_mistake_ids_are_nulled(bank: QuestionBank) -> None:
    obj = finalize(bank.get(QID), _checks(bank.get(QID), 0.3), bank=bank)
    obj["weaknesses"] = [{"text": "x", "mistake_id": "mistake.hashing.invented"},
                         {"text": "order", "mistake_id": "mistake.hashing.check_before_insert_order"}]
    result = validate(obj, "coding", bank)
    assert result.ok
    assert result.unknown_mistake_ids == ["mistake.hashing.invented"]
    assert [w["mistake_id"] for w in result.feedback["weaknesses"]] == [None, "mistake.hashing.check_before_insert_order"]
    assert any("invented" in n for n in result.notes)
    assert obj["weaknesses"][0]["mistake_id"] == "mistake.hashing.invented"  # input untouched


def test_evidence_matching() -> None:
    assert evidence_found("\u201cchecking B - p before inserting.\u201d", ANSWER)
    assert evidence_found("First I ask ... before inserting", ANSWER)
    assert not evidence_found("before inserting ... First I ask", ANSWER)
    assert not evidence_found("...", ANSWER)


def _dims(round: str, score: int) -> dict:
    return {"dimensions": {name: {"evidence": "", "score": score} for name in dimensions_for(round)}}


def test_hint_penalty_lowers_only_the_key_dimension() -> None:
    fb = _dims("system_design", 3)
    one = apply_hint_penalty(fb, "system_design", 1)
    assert one["dimensions"]["high_level_design"]["score"] == 2
    assert all(one["dimensions"][d]["score"] == 3 for d in one["dimensions"] if d != "high_level_design")
    assert apply_hint_penalty(fb, "system_design", 3)["dimensions"]["high_level_design"]["score"] == 1  # floor 1
    assert apply_hint_penalty(fb, "system_design", 0) == fb
    assert apply_hint_penalty(_dims("coding", 4), "coding", 2)["dimensions"]["approach"]["score"] == 2
    assert apply_hint_penalty(_dims("behavioral", 4), "behavioral", 1)["dimensions"]["specificity_ownership"]["score"] == 3


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


def test_finalize_builds_a_published_feedback_object_and_markdown(bank: QuestionBank) -> None:
    question = bank.get(QID)
    fb = finalize(question, _checks(question, 0.99, mistake_id="mistake.hashing.check_before_insert_order"), hints_used=1,
                  time_used_s=612.34, bank=bank)
    assert fb["overall"] == 4 and fb["dimensions"]["approach"]["score"] == 3 and fb["time_used_s"] == 612.3
    assert fb["dimensions"]["approach"]["evidence"] == UNITS[1]  # the candidate's own sentence, verbatim
    assert [c["item"] for c in fb["rubric"]] == question.rubric and all(c["met"] == "yes" for c in fb["rubric"])
    jsonschema.validate(fb, published_schema())
    assert validate(fb, "coding", bank).ok  # complete objects validate too
    broken = dict(fb, dimensions=_dims("behavioral", 3)["dimensions"])
    assert not validate(broken, "coding", bank).ok
    md = render_markdown(fb, bank)
    assert "| approach | 3/4 |" in md and "**Overall: 4/4**" in md and question.rubric[0] in md
    assert "mistake.hashing.check_before_insert_order" in md and bank.mistake("mistake.hashing.check_before_insert_order").title in md
    assert md.rstrip().endswith(SCORE_NOTE)  # every rendering says how the scores are made


def test_unmet_items_and_weak_dimensions_show_no_evidence(bank: QuestionBank) -> None:
    question = bank.get(QID)
    fb = finalize(question, _checks(question, 0.3))
    assert fb["overall"] == 1
    assert all(c["met"] == "no" and c["evidence"] == "" for c in fb["rubric"])
    assert all(d["evidence"] == "" for d in fb["dimensions"].values())


def test_written_part_is_owned_by_the_rubric_results(bank: QuestionBank) -> None:
    """The issue's case: a wrong answer must not get strengths for items the rubric table marks not shown."""
    question = bank.get(QID)
    weak = finalize(question, _checks(question, 0.3), bank=bank)
    assert weak["strengths"] == []  # nothing met: no praise at all
    assert "O(h) space" not in str(weak) and "Consider using a hash map" not in str(weak)
    assert [w["text"] for w in weak["weaknesses"]] == [f"Not shown: {item}" for item in question.rubric]
    assert weak["next_steps"][0] == f"Hint for this question: {question.hints[0]}"
    strong = finalize(question, _checks(question, 0.99), bank=bank)
    for row, strength in zip(strong["rubric"], strong["strengths"]):  # one strength per met item, quoting the answer
        assert row["met"] == "yes" and strength.startswith(row["item"]) and row["evidence"] in strength
    assert len(strong["strengths"]) == len(question.rubric)
    assert not any(w["text"].startswith("Not shown") for w in strong["weaknesses"])
    # by construction, for any mix: no strength names an item the table marks unmet
    for level in (0.3, 0.5, 0.7, 0.9):
        fb = finalize(question, _checks(question, level), bank=bank)
        unmet = [r["item"] for r in fb["rubric"] if r["met"] != "yes"]
        assert not any(s.startswith(item) for s in fb["strengths"] for item in unmet)
        assert all(len(s) <= 300 for s in fb["strengths"] + fb["next_steps"])
        jsonschema.validate(fb, published_schema())


def test_a_matched_catalog_mistake_brings_its_own_text_and_fix(bank: QuestionBank) -> None:
    question = bank.get(QID)
    mid = "mistake.hashing.check_before_insert_order"
    fb = finalize(question, _checks(question, 0.3, mistake_id=mid), bank=bank)
    mistake = bank.mistake(mid)
    assert fb["weaknesses"][0] == {"text": mistake.spot, "mistake_id": mid}  # the catalog's words
    assert fb["next_steps"][0] == mistake.fix


def test_render_markdown_escapes_bank_titles_and_model_strings_once(bank: QuestionBank) -> None:
    import dataclasses

    script = "<script>window.__pwned=1</script>"
    link = "[click](javascript:alert(1))"
    mid = "mistake.hashing.check_before_insert_order"
    question = bank.get(QID)
    hostile = dataclasses.replace(
        bank,
        questions={**bank.questions, QID: question.model_copy(update={"prompt": f"Pair {script} {link}. Rest."})},
        mistakes={**bank.mistakes, mid: bank.mistake(mid).model_copy(update={"title": f"Title <img src=x onerror=1> {link}"})},
    )
    fb = finalize(question, _checks(question, 0.99, mistake_id=mid), bank=bank)
    fb["strengths"] = ["a < b & c\n```\n<b>x</b>"]
    fb["weaknesses"][0]["text"] = f"Missed {script}"
    fb["rubric"][0]["evidence"] = "x | <i>y</i>"
    md = render_markdown(fb, hostile)
    assert "<" not in md and "[click]" not in md
    assert not any(line.lstrip().startswith("```") for line in md.splitlines())  # no fence opened by a string
    assert "## Feedback: Pair &lt;script&gt;" in md and "&#91;click&#93;(javascript:alert(1))" in md
    assert "**Title &lt;img src=x onerror=1&gt;" in md and f"(`{mid}`)" in md
    assert "- a &lt; b &amp; c" in md and "&amp;lt;" not in md  # escaped exactly once
    assert "x \\| &lt;i&gt;y&lt;/i&gt;" in md
    assert "- Missed &lt;script&gt;" in md

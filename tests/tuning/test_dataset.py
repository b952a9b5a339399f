"""The tuning dataset: serving prompts, valid feedback targets, labelled variants, a split by question."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rag_coach.evaluation.feedback_eval import load_rows
from rag_coach.interview import mistakes
from rag_coach.interview.grading import Grader
from rag_coach.interview.questions import QuestionBank
from rag_coach.settings import Settings
from rag_coach.jsonl import read_jsonl
from rag_coach.tuning.dataset import TASKS, build_dataset, statistics_of, write_jsonl
from rag_coach.tuning.labels import reference_met, variants


@pytest.fixture(scope="module")
def examples(bank: QuestionBank, shipped_bank_settings: Settings) -> list[dict[str, Any]]:
    return build_dataset(bank, shipped_bank_settings, val_fraction=0.2, seed=0)


def _source(example_id: str, rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The graded row a check example was built from ("check.<row>[.<variant>].<k>"), or its labelled variant."""
    parts = example_id.split(".")[1:-1]
    row = rows[parts[0]]
    return row if len(parts) == 1 else dict(variants(row))[parts[1]]


def test_split_is_by_question_and_covers_every_task(examples: list[dict[str, Any]]) -> None:
    train = {e["question_id"] for e in examples if e["split"] == "train"}
    val = {e["question_id"] for e in examples if e["split"] == "validation"}
    assert train and val and not train & val
    for task in TASKS:
        assert {e["split"] for e in examples if e["task"] == task} == {"train", "validation"}
    assert 0.1 < len(val) / (len(train) + len(val)) < 0.3


def test_every_example_has_the_serving_roles(examples: list[dict[str, Any]]) -> None:
    for ex in examples:
        assert [m["role"] for m in ex["messages"]] == ["system", "user", "assistant"], ex["id"]
        assert all(m["content"].strip() for m in ex["messages"])


def test_check_prompt_is_the_grader_prompt(examples: list[dict[str, Any]], bank: QuestionBank,
                                           shipped_bank_settings: Settings) -> None:
    grader = Grader(None, bank, shipped_bank_settings)  # type: ignore[arg-type]
    rows = {r["id"]: r for r in load_rows(("graded_answers.jsonl",))}
    checks = [e for e in examples if e["task"] == "check"]
    assert len(checks) >= 600 and {e["kind"] for e in checks} == {"rubric", "mistake"}
    for ex in checks[::7]:
        source = _source(ex["id"], rows)
        question = bank.get(ex["question_id"])
        context = grader.context(question, grader.units(source["answer"]), company=source["company"])
        prompt = ex["messages"][1]["content"]
        assert prompt.startswith(context) and ex["messages"][0] == grader.check_messages(context, "x")[0]
        assert prompt.endswith(("Does the answer do this? Reply yes or no.", "Does the answer make this mistake? Reply yes or no."))


def test_check_targets_follow_the_reference(examples: list[dict[str, Any]], bank: QuestionBank) -> None:
    rows = {r["id"]: r for r in load_rows(("graded_answers.jsonl",))}
    checks = [e for e in examples if e["task"] == "check"]
    assert {e["messages"][-1]["content"] for e in checks} == {"yes", "no"}
    for ex in checks:
        source = _source(ex["id"], rows)
        if ex["kind"] != "mistake":
            continue
        text = ex["messages"][1]["content"].split("\nMistake: ")[-1].split("\nDoes the answer")[0]
        labelled = [m for m in source["expected_mistake_ids"] if mistakes.check_text(bank.mistake(m)) == text]
        assert (ex["messages"][-1]["content"] == "yes") == bool(labelled), ex["id"]
    # a bad answer yields at least one "yes" mistake check and a good one none
    bad = [e for e in checks if e["kind"] == "mistake" and e["source"] == "bad"]
    assert any(e["messages"][-1]["content"] == "yes" for e in bad)


def test_variant_lowers_its_dimension_and_links_the_mistake(bank: QuestionBank) -> None:
    row = {"id": "x", "question_id": "q", "round": "coding", "quality": "good", "expected_mistake_ids": [],
           "answer": "I ask if the list can be empty. I keep a map from value to index and check it before inserting. "
                     "Time is O(n) and space is O(n). An empty list returns [] and I tested [5, 5].",
           "reference": {"dimensions": {"complexity_analysis": 4, "edge_cases": 4}}}
    found = dict(variants(row))
    assert "O(n)" not in found["no_complexity"]["answer"]
    assert found["no_complexity"]["reference"]["dimensions"]["complexity_analysis"] == 1
    assert found["no_complexity"]["expected_mistake_ids"][0] == "mistake.communication.no_complexity_stated"
    assert found["no_edge_cases"]["reference"]["dimensions"] == {"complexity_analysis": 4, "edge_cases": 1}


def test_follow_up_and_hint_targets_come_from_the_bank(examples: list[dict[str, Any]], bank: QuestionBank) -> None:
    for ex in examples:
        if ex["task"] == "hint":
            rung = int(ex["source"].removeprefix("rung"))
            assert ex["messages"][-1]["content"] == bank.get(ex["question_id"]).hints[rung - 1]
        elif ex["task"] == "follow_up":
            assert any(ex["messages"][-1]["content"].endswith(f) for f in bank.get(ex["question_id"]).follow_ups)


def test_jsonl_round_trip_and_statistics(examples: list[dict[str, Any]], tmp_path) -> None:
    path = write_jsonl(examples[:30], tmp_path / "d.jsonl")
    assert read_jsonl(path) == examples[:30]
    stats = statistics_of(examples)
    assert stats["examples"] == len(examples) and stats["length_unit"] == "chars"
    assert set(stats["lengths"]) == set(TASKS)

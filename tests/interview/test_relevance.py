"""The relevance check: the other-company rule (principle names cited as values) and its wiring."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rag_coach.evaluation.answers import load_set
from rag_coach.interview.principles import PrincipleIndex, cites
from rag_coach.interview.relevance import FEATURES, RelevanceCheck, shipped_models

INDEX = PrincipleIndex({
    "amazon": ["Customer Obsession", "Bias for Action", "Frugality", "Ownership"],
    "meta": ["Move Fast", "Focus on Long-Term Impact"],
    "google": ["Googleyness", "Leadership"],
    "microsoft": ["Customer obsessed", "Growth mindset"],
    "netflix": ["Candor", "Judgment"],
    "general": ["Should be ignored"],
})


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("Move Fast", "The value that fits me is 'Move fast'.", True),  # quoted: any case
    ("Bias for Action", "This shows Bias for Action at work.", True),  # several capitals
    ("Candor", "I try to live by Candor every day.", True),  # capitalised mid-sentence
    ("Leadership", "Leadership was happy with the direction.", False),  # sentence start only
    ("Move Fast", "We had to move fast because the launch was close.", False),  # plain words
    ("Judgment", "I used my judgment.", False),
])
def test_a_principle_counts_only_when_named_as_a_value(name: str, text: str, expected: bool) -> None:
    assert cites(name, text) is expected


def test_another_companys_principles_trigger_the_rule_and_name_the_company() -> None:
    cited = INDEX.citations("amazon", "My value is 'Move fast', and Focus on Long-Term Impact guides me.")
    assert cited.refuses and cited.main_company() == "meta" and cited.foreign_count == 2


def test_own_principles_and_shared_stems_do_not() -> None:
    assert not INDEX.citations("amazon", "This was Customer Obsession and Bias for Action.").refuses
    # Microsoft's "Customer obsessed" shares the stems of Amazon's "Customer Obsession": not foreign to Amazon
    assert not INDEX.citations("amazon", "I am Customer obsessed, always.").refuses
    assert INDEX.citations("meta", "I am Customer obsessed, always.").refuses


def test_more_own_than_foreign_names_is_not_refused() -> None:
    text = "It was about Frugality and Ownership, and a little Googleyness."
    assert not INDEX.citations("amazon", text).refuses
    assert INDEX.citations("meta", text).refuses


def test_general_questions_have_no_foreign_principles() -> None:
    assert not INDEX.citations("general", "Pure Bias for Action and 'Move Fast'.").refuses


def test_no_genuine_answer_triggers_the_rule_and_every_labelled_other_company_row_does(bank) -> None:
    """Needs no embeddings: the rule is deterministic, so it can be checked on every labelled row."""
    check = RelevanceCheck(bank, embedder=None)  # type: ignore[arg-type]
    genuine = [r for r in load_set("graded_answers.jsonl") if r.get("reference") is not None] + load_set("length_pairs.jsonl")
    for row in genuine:
        assert not check.citations(bank.get(row["question_id"]), row["answer"]).refuses, row["id"]
    for row in load_set("offtopic_answers.jsonl"):
        cited = check.citations(bank.get(row["question_id"]), row["answer"])
        if row["kind"] == "other_company":
            assert cited.refuses and cited.main_company() not in (None, row["company"]), row["id"]


def test_the_rule_refuses_with_a_sentence_naming_the_other_company(bank, embedder) -> None:
    rows: list[dict[str, Any]] = [r for r in load_set("offtopic_answers.jsonl") if r["id"] == "ot026"]
    verdict = RelevanceCheck(bank, embedder).check(bank.get(rows[0]["question_id"]), rows[0]["answer"])
    assert not verdict.ok and verdict.other_company == "meta"
    assert "Meta's principles" in verdict.reason and "Amazon's" in verdict.reason
    assert json.loads(json.dumps(verdict.to_dict()))["other_company"] == "meta"


def test_shipped_models_use_the_current_features() -> None:
    for model in shipped_models().values():
        assert tuple(model.features) == FEATURES

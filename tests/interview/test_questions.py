"""Questions come only from the bank, filtered by company (plus general), round, difficulty and topic."""

from __future__ import annotations

import random

import pytest

from rag_coach.interview.questions import QuestionBank, QuestionBankError
from rag_coach.settings import Settings


def test_mini_corpus_bank_loads_questions_and_mistakes(settings: Settings) -> None:
    bank = QuestionBank.load(settings)
    assert set(bank.questions) == {"q.amazon.coding.reverse_shipments", "q.amazon.behavioral.tight_budget"}
    assert bank.mistake("mistake.linked_list.empty_input").title == "Forgets the empty list"
    assert bank.mistake("mistake.nope.nope") is None
    with pytest.raises(QuestionBankError):
        bank.get("q.amazon.coding.invented")


def test_filter_is_company_plus_general_of_the_round(bank: QuestionBank) -> None:
    found = bank.filter("amazon", "coding")
    assert found and {q.company for q in found} == {"amazon", "general"}
    assert all(q.round == "coding" for q in found)
    assert found[0].company == "amazon"  # the company's own questions come first
    hard_graphs = bank.filter("google", "coding", difficulty="hard", topic="graphs")
    assert hard_graphs and all(q.difficulty == "hard" and q.topic == "graphs" for q in hard_graphs)
    assert all(q.company in ("google", "general") for q in hard_graphs)


def test_pick_respects_filters_and_exclusions(bank: QuestionBank) -> None:
    rng = random.Random(7)
    seen: set[str] = set()
    for _ in range(15):
        q = bank.pick("meta", "system_design", "medium", None, seen, rng)
        assert q.id in bank.questions and q.round == "system_design" and q.difficulty == "medium"
        assert q.company in ("meta", "general")
        seen.add(q.id)
    assert len(seen) > 1
    only = bank.filter("amazon", "behavioral", topic="ownership")
    assert bank.pick("amazon", "behavioral", topic="ownership", exclude_ids=[q.id for q in only], rng=rng) in only  # all seen: any
    with pytest.raises(QuestionBankError, match="no question"):
        bank.pick("amazon", "coding", "easy", "no_such_topic")


def test_topics_and_candidate_mistakes(bank: QuestionBank) -> None:
    assert "linked_list" in bank.topics("coding") and "ownership" in bank.topics("behavioral")
    q = bank.get("q.amazon.coding.gift_card_pair")
    cands = bank.candidate_mistakes(q, limit=6)
    assert [m.id for m in cands[:2]] == q.mistake_ids
    assert len(cands) == 6 and len({m.id for m in cands}) == 6
    assert {m.area for m in cands} >= {"hashing", "communication"}

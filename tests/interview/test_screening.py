"""Screening with the real MiniLM embedder on the shipped graded answers."""

from __future__ import annotations

import pytest

from rag_coach.interview.screening import Screener


@pytest.fixture(scope="module")
def screener(embedder, shipped_bank_settings) -> Screener:
    return Screener(embedder, shipped_bank_settings.interview)


def _row(rows, rid):
    return next(r for r in rows if r["id"] == rid)


@pytest.mark.parametrize(
    ("rid", "code", "words"),
    [("ga109", "too_short", "too short"), ("ga110", "off_topic", "off-topic"), ("ga111", "nonsense", "not words")],
)
def test_invalid_answers_are_refused_with_a_readable_reason(screener, bank, graded_rows, rid, code, words) -> None:
    row = _row(graded_rows, rid)
    result = screener.screen(bank.get(row["question_id"]), row["answer"])
    assert not result.ok and result.code == code and words in result.reason
    if code == "off_topic":
        assert "does not address the question" in result.reason and result.similarity < 0.11


def test_empty_answer(screener, bank) -> None:
    result = screener.screen(bank.get("q.amazon.coding.gift_card_pair"), "   ", "")
    assert result.code == "empty" and not result.ok


# the lowest-similarity valid answer (ga107), plus good/mediocre/bad across rounds
@pytest.mark.parametrize("rid", ["ga107", "ga001", "ga003", "ga040", "ga075", "ga094"])
def test_valid_answers_are_accepted(screener, bank, graded_rows, rid) -> None:
    row = _row(graded_rows, rid)
    result = screener.screen(bank.get(row["question_id"]), row["answer"])
    assert result.ok, result
    assert result.nonword_share < 0.3 and result.similarity >= 0.11


def test_code_counts_as_words_but_not_as_nonsense(screener, bank) -> None:
    code = "def f(prices, B):\n    seen = {}\n    for i, p in enumerate(prices):\n        if B - p in seen: return [seen[B-p], i]\n        seen[p] = i\n    return []\n"
    result = screener.screen(bank.get("q.amazon.coding.gift_card_pair"), "Hash map of price to index, one pass.", code)
    assert result.ok, result

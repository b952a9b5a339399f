"""The relevance check's word features (BM25 over the bank text, idf-weighted prompt terms), on real rows."""

from __future__ import annotations

from rag_coach.evaluation.answers import load_set
from rag_coach.interview.lexical import RoundWords, full_text
from rag_coach.interview.relevance import FEATURES, MARGINS, RelevanceCheck


def _round(bank, rnd: str) -> tuple[list[str], RoundWords]:
    ids = sorted(q.id for q in bank.questions.values() if q.round == rnd)
    return ids, RoundWords([bank.questions[i] for i in ids])


def test_full_text_uses_more_than_the_prompt(bank) -> None:
    question = bank.get("q.general.coding.check_search_tree")
    text = full_text(question)
    assert question.prompt in text and question.rubric[0] in text and question.follow_ups[-1] in text


def test_words_point_to_the_question_actually_answered(bank) -> None:
    """Every labelled answer to another coding or system-design question scores higher, on both word scores,
    for the question it answers than for the one asked; in behavioral rounds at least one score does so for
    most rows (10 of the 13 today: some stories fit two competencies)."""
    rounds = {rnd: _round(bank, rnd) for rnd in ("coding", "system_design", "behavioral")}
    behavioral_hits, behavioral_rows = 0, 0
    for row in load_set("offtopic_answers.jsonl"):
        if row["kind"] != "other_question":
            continue
        ids, words = rounds[row["round"]]
        asked, answered = ids.index(row["question_id"]), ids.index(row["answered_question_id"])
        bm25, terms = words.bm25_scores(row["answer"]), words.term_scores(row["answer"])
        if row["round"] == "behavioral":
            behavioral_rows += 1
            behavioral_hits += bm25[answered] > bm25[asked] or terms[answered] > terms[asked]
        else:
            assert bm25[answered] > bm25[asked] and terms[answered] > terms[asked], row["id"]
    assert behavioral_rows >= 13 and behavioral_hits >= 0.75 * behavioral_rows


def test_scores_are_scaled_and_empty_answers_score_nothing(bank) -> None:
    _, words = _round(bank, "coding")
    bm25 = words.bm25_scores("binary search tree in-order traversal with lower and upper bounds")
    assert abs(float(bm25.max()) - 1.0) < 1e-9 and float(bm25.min()) >= 0.0
    assert float(words.term_scores("").max()) == 0.0 and float(words.bm25_scores("").max()) == 0.0


def test_a_two_sum_answer_under_the_bst_question_is_refused_and_a_real_answer_is_not(bank, embedder) -> None:
    """Real embedding model and shipped models: the refusal names another question; the margins say why."""
    check = RelevanceCheck(bank, embedder)
    question = bank.get("q.general.coding.check_search_tree")
    wrong = next(r for r in load_set("offtopic_answers.jsonl") if r["id"] == "ot001")
    verdict = check.check(question, wrong["answer"])
    assert not verdict.ok and "different question" in verdict.reason
    assert all(verdict.features[name] < 0 for name in MARGINS) and set(FEATURES) <= set(verdict.features)
    good = next(r for r in load_set("graded_answers.jsonl")
                if r["question_id"] == question.id and r["quality"] == "good")
    assert check.check(question, good["answer"]).ok

"""Grader plumbing with FakeLLM (a named fake): checks on one shared prefix, cached baselines, mistakes decided
in code, no model text in the feedback, no invented scores."""

from __future__ import annotations

from rag_coach.interview import mistakes
from rag_coach.interview.grading import Grader
from rag_coach.interview.questions import QuestionBank
from rag_coach.llm.base import LLMError
from rag_coach.settings import Settings
from tests.fakes import FakeLLM
from tests.interview.helpers import answer_yes, is_null_check, scripted, yes_for_score

QID = "q.amazon.coding.gift_card_pair"


def _grader(bank: QuestionBank, settings: Settings) -> tuple[Grader, FakeLLM]:
    fake = FakeLLM()
    return Grader(fake, bank, settings), fake


def _answer(graded_rows, quality: str = "good") -> str:
    return next(r["answer"] for r in graded_rows if r["question_id"] == QID and r["quality"] == quality)


def test_checks_give_ok_feedback_with_computed_overall(bank, shipped_bank_settings, graded_rows) -> None:
    answer = _answer(graded_rows)
    grader, fake = _grader(bank, shipped_bank_settings)
    fake.yes = yes_for_score(3)
    question = bank.get(QID)
    result = grader.grade(question, answer, hints_used=1, time_used_s=300)
    assert result.status == "ok" and fake.requests == []  # no free-text generation at all
    fb = result.feedback.model_dump(mode="json")
    assert fb["question_id"] == QID and fb["round"] == "coding" and fb["hints_used"] == 1 and fb["time_used_s"] == 300
    assert fb["dimensions"]["approach"]["score"] == 2 and fb["dimensions"]["correctness"]["score"] == 3  # hint penalty
    assert fb["overall"] == 3  # mean 2.83 -> 3
    units = grader.units(answer)
    assert all(d["evidence"] in units for d in fb["dimensions"].values())  # the candidate's own sentences
    assert len({c["met"] for c in fb["rubric"]}) == 1 and len(fb["rubric"]) == len(question.rubric)
    m = shipped_bank_settings.interview.mistake_shortlist
    n = len(question.rubric) + 6 + m  # every rubric item, every coding dimension, every shortlisted mistake ...
    null_checks, checks = [x[-1]["content"] for x in fake.checks[:n]], [x[-1]["content"] for x in fake.checks[n:]]
    assert len(checks) == n and all(is_null_check(x) for x in fake.checks[:n])  # ... first for the baseline answer
    assert sum(c.endswith("Does the answer do this? Reply yes or no.") for c in checks) == n - m
    assert sum(c.endswith("Does the answer make this mistake? Reply yes or no.") for c in checks) == m
    mistake_texts = [c.split("\n\nMistake: ")[1] for c in checks[n - m:]]
    linked = [mistakes.check_text(bank.mistake(mid)) for mid in question.mistake_ids]
    assert [t.split("\nDoes")[0] for t in mistake_texts[: len(linked)]] == linked  # linked mistakes first
    assert [c.split("\n\n")[-1] for c in null_checks] == [c.split("\n\n")[-1] for c in checks]
    prefix = checks[0].split("\n\nCheck:")[0]
    assert all(c.startswith(prefix) for c in checks)  # one shared prefix: the answer is evaluated once
    common = prefix.split("<answer>")[0]
    assert all(c.startswith(common + "<answer>") for c in null_checks)  # the baseline shares all but the answer
    assert question.rubric[0] in prefix and "mistake.hashing.check_before_insert_order: " in prefix
    assert "[1] " + units[0] in prefix
    grader.grade(question, answer)
    assert len(fake.checks) == 3 * n  # the baseline is cached per question and check: asked once


def test_scores_follow_the_models_yes_probability(bank, shipped_bank_settings, graded_rows) -> None:
    answer = _answer(graded_rows)
    overall = {}
    for p in (0.4, 0.93, 0.99):  # lift over the scripted 0.5 baseline: below, inside and above ITEM_BAND
        grader, fake = _grader(bank, shipped_bank_settings)
        fake.yes = answer_yes(p)
        overall[p] = grader.grade(bank.get(QID), answer).feedback.overall
    assert overall[0.4] == 1 and overall[0.4] < overall[0.93] < overall[0.99] == 4


def test_prompt_stays_compact(bank, shipped_bank_settings, graded_rows) -> None:
    grader, fake = _grader(bank, shipped_bank_settings)
    question = bank.get(QID)
    full = grader.check_messages(grader.context(question, grader.units(_answer(graded_rows))), question.rubric[0])
    fixed = grader.check_messages(grader.context(question, []), question.rubric[0])
    assert sum(fake.count_tokens(m["content"]) for m in fixed) < 560  # everything but the answer
    assert sum(fake.count_tokens(m["content"]) for m in full) < 900


def test_the_mistake_the_checks_find_is_named_with_the_catalogs_words(bank, shipped_bank_settings, graded_rows) -> None:
    question = bank.get(QID)
    no_run = shipped_bank_settings.model_copy(
        update={"interview": shipped_bank_settings.interview.model_copy(update={"run_code": False})})
    grader, fake = _grader(bank, no_run)  # the model's mistake checks alone (the answer's code fails a test case)
    scripted(fake, 2, "mistake.hashing.duplicates_overwrite")
    result = grader.grade(question, _answer(graded_rows, "mediocre"))
    named = [w.model_dump() for w in result.feedback.weaknesses if w.mistake_id]
    mistake = bank.mistake("mistake.hashing.duplicates_overwrite")
    assert named and named[0] == {"text": mistake.spot, "mistake_id": mistake.id}
    assert mistake.fix in result.feedback.next_steps
    checked = {c["id"]: c for c in result.checks["mistakes"]}
    assert checked[mistake.id]["matched"] and checked[mistake.id]["probability"] == max(
        c["probability"] for c in checked.values())
    # the same checks with no "yes" for any mistake name none
    grader, fake = _grader(bank, no_run)
    scripted(fake, 2, None)
    result = grader.grade(question, _answer(graded_rows, "mediocre"))
    assert not result.feedback.mistake_ids()
    # with the code run on, the failing test case comes first, with the mistake it was written to catch
    grader, fake = _grader(bank, shipped_bank_settings)
    scripted(fake, 2, "mistake.hashing.duplicates_overwrite")
    result = grader.grade(question, _answer(graded_rows, "mediocre"))
    first = result.feedback.weaknesses[0]
    assert first.text.startswith("Your code returned") and first.mistake_id == "mistake.hashing.check_before_insert_order"
    assert result.feedback.dimensions["correctness"].score == 1
    assert mistake.id in result.feedback.mistake_ids()  # the model's match follows


def test_a_backend_failure_gives_no_score(bank, shipped_bank_settings, graded_rows) -> None:
    grader, fake = _grader(bank, shipped_bank_settings)

    def broken(messages):
        raise LLMError("the model server went away")

    fake.yes = broken
    result = grader.grade(bank.get(QID), _answer(graded_rows))
    assert result.status == "failed" and result.feedback is None and "went away" in result.reason
    assert result.to_dict()["feedback"] is None



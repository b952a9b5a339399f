"""Grading prepared while the candidate answers (plumbing, with the named FakeLLM): the content-free checks
run ahead, grading after submit asks only the answer's own checks, and the feedback is the same; the draft
answer is then evaluated up to its end. That the model's cache makes this faster, with the same P(yes), is
tested on the real model in tests/llm/test_embedded_model.py."""

from __future__ import annotations

import random
import threading

from rag_coach.interview.grading import Grader
from rag_coach.interview.screening import Screener
from rag_coach.interview.session import InterviewService
from rag_coach.interview.warmup import Warmup
from tests.fakes import FakeLLM
from tests.interview.helpers import is_null_check, scripted


def _row(graded_rows, quality: str = "mediocre"):
    return next(r for r in graded_rows if r["question_id"] == "q.amazon.coding.gift_card_pair" and r["quality"] == quality)


def test_prepared_grading_asks_only_the_answers_checks_and_gives_the_same_feedback(bank, shipped_bank_settings, graded_rows) -> None:
    row = _row(graded_rows)
    question = bank.get(row["question_id"])
    cold_fake = scripted(FakeLLM(), 3, "mistake.hashing.duplicates_overwrite")
    cold = Grader(cold_fake, bank, shipped_bank_settings).grade(question, row["answer"])

    fake = scripted(FakeLLM(), 3, "mistake.hashing.duplicates_overwrite")
    grader = Grader(fake, bank, shipped_bank_settings)
    prepared = grader.prepare(question)
    assert prepared >= len(question.rubric) + 4 and len(fake.checks) == prepared
    assert all(is_null_check(m) for m in fake.checks)
    assert grader.prepare(question) == prepared and len(fake.checks) == prepared  # cached: no new model call
    fake.checks.clear()
    warm = grader.grade(question, row["answer"])
    assert fake.checks and not any(is_null_check(m) for m in fake.checks)
    assert len(fake.checks) == len(cold_fake.checks) - sum(is_null_check(m) for m in cold_fake.checks)
    assert warm.feedback == cold.feedback and warm.checks == cold.checks
    assert "mistake.hashing.duplicates_overwrite" in warm.feedback.mistake_ids()  # the scripted mistake is named


def test_prepare_stops_between_checks(bank, shipped_bank_settings) -> None:
    fake = FakeLLM()
    grader = Grader(fake, bank, shipped_bank_settings)
    question = bank.get("q.amazon.coding.gift_card_pair")
    assert grader.prepare(question, stop=lambda: len(fake.checks) >= 3) == 3 and len(fake.checks) == 3


class SlowFake(FakeLLM):
    """FakeLLM whose checks block until released: the background preparation is caught mid-way."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.started = threading.Event()

    def yes_probability(self, messages):
        self.started.set()
        self.release.wait(5)
        return super().yes_probability(messages)


def test_session_prepares_in_the_background_and_finish_stops_it(bank, shipped_bank_settings, embedder, graded_rows) -> None:
    row = _row(graded_rows, "good")
    fake = scripted(SlowFake(), 3)
    service = InterviewService(bank, Grader(fake, bank, shipped_bank_settings), Screener(embedder), rng=random.Random(1),
                               prepare_while_answering=True)
    session = service.start("amazon", "coding", question=bank.get(row["question_id"]))
    assert fake.started.wait(5)
    fake.release.set()
    result = service.finish(session, row["answer"])
    assert result.status == "ok" and result.feedback is not None
    assert not service.warmup.running(session.id)  # stopped and joined at finish
    nulls = [m for m in fake.checks if is_null_check(m)]
    assert len({m[-1]["content"] for m in nulls}) == len(nulls)  # no content-free check asked twice


def test_warmup_survives_a_failing_model(bank, shipped_bank_settings) -> None:
    from rag_coach.llm.base import LLMError

    class Down(FakeLLM):
        def yes_probability(self, messages):
            raise LLMError("the model is not running")

    warmup = Warmup(Grader(Down(), bank, shipped_bank_settings))
    warmup.start("s1", bank.get("q.amazon.coding.gift_card_pair"))
    for _ in range(50):
        if not warmup.running("s1"):
            break
        threading.Event().wait(0.1)
    assert not warmup.running("s1")  # the worker ended on the model error
    warmup.stop("s1")


class WarmableFake(FakeLLM):
    """FakeLLM that records warm-up prompts (the embedded backend evaluates them into its KV cache)."""

    def __init__(self) -> None:
        super().__init__()
        self.warmed: list[list[dict]] = []
        self.warmed_event = threading.Event()

    def warm_up(self, messages):
        self.warmed.append([dict(m) for m in messages])
        self.warmed_event.set()


def test_prefill_evaluates_the_grading_prompt_up_to_the_end_of_the_draft(bank, shipped_bank_settings, graded_rows) -> None:
    row = _row(graded_rows)
    question = bank.get(row["question_id"])
    fake = WarmableFake()
    grader = Grader(fake, bank, shipped_bank_settings)
    draft = row["answer"][:300]
    assert grader.prefill(question, draft)
    prompt = fake.warmed[-1][-1]["content"]
    grader.grade(question, row["answer"])
    check = next(m for m in fake.checks if not is_null_check(m))[-1]["content"]
    units = grader.units(draft)
    assert f"[1] {units[0]}" in prompt and prompt.endswith("</answer>")
    common = next((i for i, (a, b) in enumerate(zip(prompt, check)) if a != b), len(prompt))
    assert common > prompt.index(f"[{len(units)}] ")  # the final prompt repeats the draft's up to its last (partial) sentence
    assert not grader.prefill(question, "  ") and len(fake.warmed) == 1  # nothing to evaluate
    assert not Grader(FakeLLM(), bank, shipped_bank_settings).prefill(question, draft)  # a backend without a cache


def test_the_latest_draft_is_evaluated_after_the_preparation_and_never_after_finish(bank, shipped_bank_settings, embedder,
                                                                                      graded_rows) -> None:
    row = _row(graded_rows, "good")
    fake = WarmableFake()
    service = InterviewService(bank, Grader(fake, bank, shipped_bank_settings), Screener(embedder), rng=random.Random(1),
                               prepare_while_answering=True)
    service.warmup.draft_every_s = 0.0
    session = service.start("amazon", "coding")
    service.draft(session, row["answer"][:120])
    service.draft(session, row["answer"][:400])
    assert fake.warmed_event.wait(10)
    nulls_before_draft = len(fake.checks)
    assert nulls_before_draft >= len(session.question.rubric) + 4  # every content-free check came first
    for _ in range(50):
        if any(row["answer"][300:400].split()[-1] in m[-1]["content"] for m in fake.warmed):
            break
        threading.Event().wait(0.1)
    assert any(row["answer"][300:400].split()[-1] in m[-1]["content"] for m in fake.warmed)  # the latest draft
    service.finish(session, row["answer"])
    warmed = len(fake.warmed)
    service.draft(session, row["answer"] + " more")
    assert len(fake.warmed) == warmed and not service.warmup.running(session.id)  # finished: no more drafts


def _wait_for(condition, seconds: float = 10.0) -> bool:
    for _ in range(int(seconds * 20)):
        if condition():
            return True
        threading.Event().wait(0.05)
    return condition()


def test_a_refused_answer_keeps_the_warm_up_going_and_a_restart_carries_the_draft(bank, shipped_bank_settings,
                                                                                   embedder) -> None:
    fake = WarmableFake()
    service = InterviewService(bank, Grader(fake, bank, shipped_bank_settings), Screener(embedder), rng=random.Random(1),
                               prepare_while_answering=True)
    service.warmup.draft_every_s = 0.0
    session = service.start("amazon", "coding")
    assert service.finish(session, "idk").status == "refused"
    assert service.warmup.running(session.id)  # the candidate fixes the answer: the warm-up goes on
    service.draft(session, "I would sort the intervals by start first.")
    assert _wait_for(lambda: any("sort the intervals" in m[-1]["content"] for m in fake.warmed))
    service.warmup.start(session.id, session.question, [("Why sort?", "So overlaps are neighbours.")], session.company)
    assert _wait_for(lambda: any("sort the intervals" in m[-1]["content"] and "Follow-up asked: Why sort?" in m[-1]["content"]
                                 for m in fake.warmed))  # the restarted worker evaluates the same draft again
    service.warmup.stop(session.id)
    assert not service.warmup.running(session.id)

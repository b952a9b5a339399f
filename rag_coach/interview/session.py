"""Timed mock interviews: pick a bank question, give hints and follow-ups, screen and grade the answer.

Pure core (no UI): the Gradio app keeps an :class:`InterviewSession` per user and calls
:class:`InterviewService`.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rag_coach.documents.models import Question
from rag_coach.interview.code_check import CodeRun
from rag_coach.interview.grading import Grader, GradeResult
from rag_coach.interview.questions import QuestionBank
from rag_coach.interview.screening import Screener
from rag_coach.interview.warmup import Warmup
from rag_coach.textsafety import CleanText, clean_input

log = logging.getLogger(__name__)

MAX_HINTS = 3
NO_MORE_HINTS = "No more hints: you have used all three. Finish your answer with what you have."


class SessionError(RuntimeError):
    """A call that does not fit the session's state (e.g. answering a follow-up that was never asked)."""


@dataclass
class InterviewSession:
    id: str
    company: str
    round: str
    question: Question
    started_at: float  # clock() value at start
    time_limit_s: float
    hints_used: list[str] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)  # asked, in order
    follow_up_answers: list[str] = field(default_factory=list)  # answers[i] answers follow_ups[i]
    answer: str = ""
    code: str = ""
    finished_at: float | None = None
    result: GradeResult | None = None
    input_notices: list[str] = field(default_factory=list)  # "your answer was cut ..." for the last submission
    code_run: tuple[str, str, CodeRun] | None = None  # (answer, code, result) of check_code, reused by finish

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    def follow_up_pairs(self) -> list[tuple[str, str]]:
        return list(zip(self.follow_ups, self.follow_up_answers))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "company": self.company,
            "round": self.round,
            "question_id": self.question.id,
            "prompt": self.question.prompt,
            "time_limit_s": self.time_limit_s,
            "hints_used": list(self.hints_used),
            "follow_ups": self.follow_up_pairs(),
            "finished": self.finished,
            "result": self.result.to_dict() if self.result else None,
        }


class InterviewService:
    def __init__(
        self,
        bank: QuestionBank,
        grader: Grader,
        screener: Screener,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        default_time_limit_min: float = 45,
        max_input_chars: int = 8000,
        prepare_while_answering: bool = False,
    ) -> None:
        self.default_time_limit_min = default_time_limit_min
        self.max_input_chars = max_input_chars
        self.bank = bank
        self.grader = grader
        self.screener = screener
        self.clock = clock
        self.rng = rng or random.Random()
        self.warmup = Warmup(grader) if prepare_while_answering else None  # see rag_coach.interview.warmup

    def start(
        self,
        company: str,
        round: str,
        difficulty: str | None = None,
        topic: str | None = None,
        time_limit_min: float | None = None,
        exclude_ids: Iterable[str] = (),
        question: Question | None = None,
    ) -> InterviewSession:
        """A new session on a bank question (the company's own or a general one) matching the filters,
        or on ``question`` when the caller already chose one from the bank (recommendations)."""
        question = question or self.bank.pick(company, round, difficulty, topic, exclude_ids, self.rng)
        session = InterviewSession(
            id=uuid.uuid4().hex[:12],
            company=company,
            round=round,
            question=question,
            started_at=self.clock(),
            time_limit_s=float(time_limit_min or self.default_time_limit_min) * 60.0,
        )
        log.info("interview %s started: %s (%s, %s)", session.id, question.id, company, round)
        self._prepare(session)
        return session

    def _prepare(self, session: InterviewSession) -> None:
        if self.warmup is not None:
            self.warmup.start(session.id, session.question, session.follow_up_pairs(), session.company)

    def draft(self, session: InterviewSession, answer: str, code: str = "") -> None:
        """The answer as typed so far (the page sends it every second): the background warm-up evaluates it, so
        :meth:`finish` evaluates only what changed since. Ignored after finish or with the warm-up off."""
        if self.warmup is None or session.finished:
            return
        clean_answer, clean_code = self._clean(answer, code)
        self.warmup.draft(session.id, clean_answer.text, clean_code.text)

    def _clean(self, answer: str, code: str) -> tuple[CleanText, CleanText]:
        return clean_input(answer, self.max_input_chars), clean_input(code, self.max_input_chars)

    def hint(self, session: InterviewSession) -> str:
        """The next rung of the question's hint ladder (recorded); after three, a 'no more hints' message."""
        if len(session.hints_used) >= MAX_HINTS:
            return NO_MORE_HINTS
        text = session.question.hints[len(session.hints_used)]
        session.hints_used.append(text)
        return text

    def hints_left(self, session: InterviewSession) -> int:
        return MAX_HINTS - len(session.hints_used)

    def follow_up(self, session: InterviewSession) -> str | None:
        """The next follow-up from the bank list (recorded as asked); None when the list is used up."""
        if len(session.follow_ups) > len(session.follow_up_answers):
            return session.follow_ups[-1]  # the pending one has not been answered yet
        if len(session.follow_ups) >= len(session.question.follow_ups):
            return None
        text = session.question.follow_ups[len(session.follow_ups)]
        session.follow_ups.append(text)
        return text

    def answer_follow_up(self, session: InterviewSession, text: str) -> str | None:
        """Record the answer (control characters removed, cut to the input limit); returns a notice if it was cut."""
        if len(session.follow_ups) <= len(session.follow_up_answers):
            raise SessionError("no follow-up question is waiting for an answer; ask for one first")
        clean = clean_input(text, self.max_input_chars)
        session.follow_up_answers.append(clean.text.strip())
        self._prepare(session)  # the follow-up is part of the grading prompt
        return clean.notice("follow-up answer")

    def elapsed_s(self, session: InterviewSession) -> float:
        end = session.finished_at if session.finished_at is not None else self.clock()
        return max(0.0, end - session.started_at)

    def remaining_s(self, session: InterviewSession) -> float:
        return max(0.0, session.time_limit_s - self.elapsed_s(session))

    def grade_answer(
        self,
        question: Question,
        answer: str,
        code: str = "",
        follow_ups: Iterable[tuple[str, str]] = (),
        *,
        company: str | None = None,
        hints_used: int = 0,
        time_used_s: float | None = None,
        code_run: CodeRun | None = None,
    ) -> GradeResult:
        """Screen, then grade. A refused answer is never sent to the model."""
        screen = self.screener.screen(question, answer, code)
        if not screen.ok:
            log.info("answer to %s refused: %s", question.id, screen.code)
            return GradeResult("refused", reason=screen.reason, screen=screen.to_dict())
        result = self.grader.grade(
            question, answer, code, list(follow_ups), company=company, hints_used=hints_used, time_used_s=time_used_s,
            code_run=code_run,
        )
        result.screen = screen.to_dict()
        return result

    def check_code(self, session: InterviewSession, answer: str, code: str = "") -> CodeRun | None:
        """Run the answer's code on the question's example tests now (about a second, no model), so the candidate
        sees the result while the model grades; :meth:`finish` reuses it for the same answer and code. None
        where grading would not run code."""
        clean_answer, clean_code = self._clean(answer, code)
        answer, code = clean_answer.text, clean_code.text
        run = self.grader.run_code(session.question, answer, code)
        session.code_run = (answer, code, run) if run is not None else None
        return run

    def finish(self, session: InterviewSession, answer: str, code: str = "") -> GradeResult:
        """Stop the clock, screen and grade; time used and hints used go into the feedback."""
        if session.finished_at is None:
            session.finished_at = self.clock()
        clean_answer, clean_code = self._clean(answer, code)
        answer, code = clean_answer.text, clean_code.text
        session.input_notices = [n for n in (clean_answer.notice("answer"), clean_code.notice("code")) if n]
        session.answer, session.code = answer, code
        used = self.elapsed_s(session)
        if self.warmup is not None:
            self.warmup.stop(session.id)  # what it finished is cached; grading does the rest
        result = self.grade_answer(
            session.question,
            answer,
            code,
            session.follow_up_pairs(),
            company=session.company,
            hints_used=len(session.hints_used),
            time_used_s=used,
            code_run=session.code_run[2] if session.code_run and session.code_run[:2] == (answer, code) else None,
        )
        if used > session.time_limit_s:
            result.notes.append(f"over time by {used - session.time_limit_s:.0f} s")
        result.notes += session.input_notices
        if result.status == "refused":
            session.finished_at = None  # the clock keeps running; the candidate can fix the answer and resubmit
            self._prepare(session)  # and the warm-up goes on with the fixed draft (its checks are cached)
        session.result = result
        return result

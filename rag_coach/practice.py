"""Mock-interview practice: start (chosen or recommended question), finish (grade, then record progress).

The glue between the interview service, the progress store and the recommender; the UI calls this.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag_coach.interview.grading import GradeResult
from rag_coach.interview.questions import QuestionBank
from rag_coach.interview.session import InterviewService, InterviewSession
from rag_coach.progress.recommend import recommend
from rag_coach.progress.store import ProgressStore

log = logging.getLogger(__name__)

RECOMMEND = "recommend"


@dataclass
class Started:
    session: InterviewSession
    reason: str  # why this question (recommendations), else ""
    started_utc: dt.datetime
    delivery: dict[str, Any] | None = None  # voice practice: metrics of the spoken answer, stored with the attempt


class PracticeService:
    def __init__(self, interviews: InterviewService, bank: QuestionBank, store: ProgressStore) -> None:
        self.interviews = interviews
        self.bank = bank
        self.store = store

    def start(self, profile: str, company: str, round: str, difficulty: str | None = None, topic: str | None = None,
              time_limit_min: float = 45) -> Started:
        """``topic == "recommend"`` picks an unseen question from the weakest topic at the right difficulty."""
        now = dt.datetime.now(dt.timezone.utc)
        if topic == RECOMMEND:
            pool = self.bank.filter(company, round)
            rec = recommend(self.store, profile, pool, company, round)
            session = self.interviews.start(company, round, time_limit_min=time_limit_min, question=rec.question)
            return Started(session, rec.reason, now)
        seen = self.store.seen_question_ids(profile)  # unseen first; repeats only when all were seen
        session = self.interviews.start(company, round, difficulty, topic, time_limit_min, exclude_ids=seen)
        return Started(session, "", now)

    def finish(self, profile: str, started: Started, answer: str, code: str = "") -> GradeResult:
        result = self.interviews.finish(started.session, answer, code)
        if result.status == "ok" and result.feedback is not None:
            stored = {**result.feedback, "delivery": started.delivery} if started.delivery else result.feedback
            self.store.record(profile, started.session.question, stored, started.started_utc,
                              dt.datetime.now(dt.timezone.utc))
        return result

    def feedback_markdown(self, result: GradeResult) -> str:
        """The feedback view. Every string the model wrote is shown as text (no HTML, links or images):
        :func:`~rag_coach.interview.feedback.render_markdown` does the escaping."""
        from rag_coach.interview.feedback import render_markdown

        return render_markdown(result.feedback, self.bank) if result.feedback is not None else ""

    @staticmethod
    def feedback_file(result: GradeResult, folder: Path, session_id: str) -> Path | None:
        if result.feedback is None:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"feedback-{session_id}.json"
        path.write_text(json.dumps(result.feedback, indent=2, ensure_ascii=False), encoding="utf-8")
        return path

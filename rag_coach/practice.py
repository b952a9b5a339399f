"""Mock-interview practice: start (chosen or recommended question), finish (grade, then record progress).

The glue between the interview service, the progress store and the recommender; the UI calls this.
"""

from __future__ import annotations

import datetime as dt
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
            self.store.record(profile, started.session.question, result.feedback, started.started_utc,
                              dt.datetime.now(dt.timezone.utc), delivery=started.delivery)
        return result

    @staticmethod
    def feedback_file(result: GradeResult, folder: Path, session_id: str) -> Path | None:
        if result.feedback is None:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"feedback-{session_id}.json"
        path.write_text(result.feedback.model_dump_json(indent=2), encoding="utf-8")
        return path

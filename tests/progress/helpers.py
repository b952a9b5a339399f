"""Builders shared by the progress tests."""

from __future__ import annotations

import datetime as dt

from rag_coach.documents.models import Question
from rag_coach.interview.dimensions import dimensions_for
from rag_coach.interview.feedback import DimensionScore, Feedback, Weakness

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def question(
    qid: str, topic: str, difficulty: str = "medium", company: str = "general", round: str = "coding"
) -> Question:
    return Question(
        id=f"q.{company}.{topic}.{qid}",
        round=round,
        topic=topic,
        difficulty=difficulty,  # type: ignore[arg-type]
        prompt="Explain how you would solve this problem.",
        rubric=["states the approach", "analyses complexity"],
        hints=["first hint", "second hint", "third hint"],
        follow_ups=["what if the input is huge?", "what about concurrency?"],
        company=company,
    )


def feedback(overall: int, mistakes: tuple[str, ...] = (), hints: int = 0, time_s: float = 600.0,
             question_id: str = "q.general.graphs.a") -> Feedback:
    """A coding-round feedback with every dimension at ``overall`` except communication (one higher)."""
    dims = {name: DimensionScore(score=min(4, overall + 1) if name == "communication" else overall, evidence="said so")
            for name in dimensions_for("coding")}
    return Feedback(question_id=question_id, round="coding", overall=overall, dimensions=dims, strengths=[],
                    weaknesses=[Weakness(text=f"weak on {m}", mistake_id=m) for m in mistakes], next_steps=[],
                    hints_used=hints, time_used_s=time_s)


def at(day: int, minutes: int = 0) -> dt.datetime:
    return T0 + dt.timedelta(days=day, minutes=minutes)

"""Progress tracking: finished mock interviews per profile, next-question recommendations, score charts."""

from rag_coach.progress.recommend import Recommendation, recommend
from rag_coach.progress.store import DB_FILE, Attempt, ProgressError, ProgressStore, TopicStat

__all__ = ["DB_FILE", "Attempt", "ProgressError", "ProgressStore", "Recommendation", "TopicStat", "recommend"]

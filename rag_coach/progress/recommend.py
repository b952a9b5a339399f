"""Pick the next mock-interview question from a profile's history: weakest topic, right difficulty, unseen.

The caller passes the candidate questions (the selected company's own plus the general ones); only
those are ever recommended, so the company filter is the caller's choice of ``questions``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from rag_coach.documents.models import DIFFICULTIES, Question
from rag_coach.progress.store import ProgressStore, TopicStat, rank_weakest

logger = logging.getLogger(__name__)

ALL_ROUNDS = "all"


@dataclass(frozen=True)
class Recommendation:
    question: Question
    reason: str


def _label(topic: str) -> str:
    return topic.replace("_", " ")


def _stat_text(stat: TopicStat) -> str:
    plural = "attempt" if stat.attempts == 1 else "attempts"
    return f"mean {stat.mean_overall:.1f} over {stat.attempts} {plural}"


def target_difficulty(stat: TopicStat | None, last_difficulty: str | None = None) -> str:
    """Mean >= 3: one step above the last attempted difficulty (medium -> hard); mean < 2: easy; else medium."""
    if stat is None:
        return "medium"
    if stat.mean_overall >= 3:
        base = last_difficulty if last_difficulty in DIFFICULTIES else "medium"
        return DIFFICULTIES[min(DIFFICULTIES.index(base) + 1, len(DIFFICULTIES) - 1)]
    if stat.mean_overall < 2:
        return "easy"
    return "medium"


def _closest(pool: list[Question], difficulty: str, rng: random.Random) -> Question:
    """A question at ``difficulty``, else the nearest difficulty (the easier one on a tie)."""
    want = DIFFICULTIES.index(difficulty)

    def distance(q: Question) -> tuple[int, int]:
        have = DIFFICULTIES.index(q.difficulty)
        return abs(have - want), have

    best = min(distance(q) for q in pool)
    return rng.choice(sorted((q for q in pool if distance(q) == best), key=lambda q: q.id))


def _topic_order(pool: Sequence[Question], topic_order: Sequence[str] | None) -> list[str]:
    order = [t for t in (topic_order or ()) if any(q.topic == t for q in pool)]
    for q in pool:
        if q.topic not in order:
            order.append(q.topic)
    return order


def _last_difficulties(store: ProgressStore, profile: str, round: str | None) -> dict[tuple[str, str], str]:
    last: dict[tuple[str, str], str] = {}
    for attempt in store.history(profile):  # newest first
        if round is None or attempt.round == round:
            last.setdefault((attempt.topic, attempt.round), attempt.difficulty)
    return last


def recommend(
    store: ProgressStore,
    profile: str,
    questions: Sequence[Question],
    company: str,
    round: str | None = None,
    rng: random.Random | None = None,
    topic_order: Sequence[str] | None = None,
) -> Recommendation:
    """The next question for ``profile`` among ``questions`` (already filtered to ``company`` + general).

    ``round`` (``None`` or ``"all"`` for every round) narrows both the questions and the history used.
    ``topic_order`` is the round's topic list from the registry; it decides the "first topic" when
    there is no history yet (default: the order the topics appear in ``questions``).
    Raises ``ValueError`` when there is no candidate question at all.
    """
    rng = rng or random.Random()
    scope = None if round in (None, ALL_ROUNDS) else round
    pool = [q for q in questions if scope is None or q.round == scope]
    if not pool:
        where = f"round '{scope}'" if scope else "any round"
        raise ValueError(f"no questions for {company} in {where}; pick another round or company")

    stats = [s for s in store.topic_averages(profile) if scope is None or s.round == scope]
    seen = store.seen_question_ids(profile)
    unseen = [q for q in pool if q.id not in seen]
    where = f" in {_label(scope)}" if scope else ""

    if not stats:
        first = _topic_order(unseen or pool, topic_order)[0]
        picks = [q for q in (unseen or pool) if q.topic == first]
        question = _closest(picks, "medium", rng)
        reason = (
            f"There is no history{where} yet, so here is a {question.difficulty} "
            f"{_label(first)} question to start with."
        )
        return _done(profile, company, question, reason)

    last_diff = _last_difficulties(store, profile, scope)
    skipped: list[str] = []
    for stat in rank_weakest(stats):
        picks = [q for q in unseen if q.topic == stat.topic and q.round == stat.round]
        if not picks:
            if not any(q.topic == stat.topic and q.round == stat.round for q in pool):
                continue  # nothing of this topic for this company: not "seen", just absent
            skipped.append(_label(stat.topic))
            continue
        last = last_diff.get((stat.topic, stat.round))
        want = target_difficulty(stat, last)
        question = _closest(picks, want, rng)
        label = _label(stat.topic)
        which = "Your weakest topic with unseen questions" if skipped else "Your weakest topic"
        reason = (
            f"{which}{where} is {label} ({_stat_text(stat)}), "
            f"so here is an unseen {question.difficulty} {label} question"
        )
        if stat.mean_overall >= 3 and question.difficulty == want and want != last:
            reason += " to step up"
        reason += "."
        if skipped:
            reason += f" You have already seen every {', '.join(skipped)} question."
        return _done(profile, company, question, reason)

    # Every practised topic is exhausted: try a topic not practised yet, in topic order.
    practised = {(s.topic, s.round) for s in stats}
    fresh = [q for q in unseen if (q.topic, q.round) not in practised]
    if fresh:
        topic = _topic_order(fresh, topic_order)[0]
        question = _closest([q for q in fresh if q.topic == topic], "medium", rng)
        reason = (
            f"You have seen every question in the topics you practised{where}, so here is an unseen "
            f"{question.difficulty} {_label(topic)} question, a topic you have not tried yet."
        )
        return _done(profile, company, question, reason)

    # Everything is seen: the one seen longest ago.
    last_seen = store.last_seen(profile)
    oldest = min(last_seen.get(q.id, "") for q in pool)
    question = rng.choice(sorted((q for q in pool if last_seen.get(q.id, "") == oldest), key=lambda q: q.id))
    when = oldest[:10] if oldest else "long ago"
    reason = (
        f"You have seen every available question{where}, so here is the one you saw longest ago "
        f"({when}): a {question.difficulty} {_label(question.topic)} question."
    )
    return _done(profile, company, question, reason)


def _done(profile: str, company: str, question: Question, reason: str) -> Recommendation:
    logger.debug("recommend for %r at %s: %s (%s)", profile, company, question.id, reason)
    return Recommendation(question=question, reason=reason)

from __future__ import annotations

import random
from pathlib import Path

import pytest

from rag_coach.documents.models import Question
from rag_coach.progress.recommend import recommend, target_difficulty
from rag_coach.progress.store import ProgressStore, TopicStat

from .helpers import at, feedback, question


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore.in_data_dir(tmp_path)


def _bank() -> list[Question]:
    qs = []
    for topic in ("arrays_strings", "graphs", "trees", "heaps"):
        for difficulty in ("easy", "medium", "hard"):
            qs.append(question(f"{difficulty}1", topic, difficulty, company="amazon"))
            qs.append(question(f"{difficulty}2", topic, difficulty, company="general"))
    qs.append(question("m1", "caching", "medium", round="system_design"))
    return qs


def _rec(store: ProgressStore, topic: str, scores: list[int], difficulty: str = "medium", day: int = 0,
         company: str = "general", round: str = "coding") -> None:
    for i, score in enumerate(scores):
        q = question(f"h{day}x{i}", topic, difficulty, company=company, round=round)
        store.record("alice", q, feedback(score), at(day + i), at(day + i, 30))


def test_target_difficulty_rules() -> None:
    def stat(mean: float) -> TopicStat:
        return TopicStat("graphs", "coding", 2, mean, "2026-01-01T00:00:00+00:00")

    assert target_difficulty(None) == "medium"
    assert target_difficulty(stat(1.7)) == "easy"
    assert target_difficulty(stat(2.0)) == "medium"
    assert target_difficulty(stat(2.99)) == "medium"
    assert target_difficulty(stat(3.0), "medium") == "hard"
    assert target_difficulty(stat(3.5), "easy") == "medium"
    assert target_difficulty(stat(4.0), "hard") == "hard"


def test_no_history_gives_medium_of_first_topic(store: ProgressStore) -> None:
    rec = recommend(store, "alice", _bank(), "amazon", round="coding", rng=random.Random(0))
    assert rec.question.topic == "arrays_strings" and rec.question.difficulty == "medium"
    assert "no history" in rec.reason
    ordered = recommend(store, "alice", _bank(), "amazon", round="coding", topic_order=["trees", "graphs"])
    assert ordered.question.topic == "trees" and ordered.question.difficulty == "medium"


def test_weakest_topic_low_mean_gives_easy_unseen(store: ProgressStore) -> None:
    _rec(store, "graphs", [1, 2, 2])  # mean 1.67 over 3
    _rec(store, "trees", [3, 2], day=10)  # mean 2.5
    rec = recommend(store, "alice", _bank(), "amazon", round="coding", rng=random.Random(1))
    assert rec.question.topic == "graphs" and rec.question.difficulty == "easy"
    assert rec.reason == (
        "Your weakest topic in coding is graphs (mean 1.7 over 3 attempts), so here is an unseen easy graphs question."
    )
    no_round = recommend(store, "alice", _bank(), "amazon")
    assert no_round.reason.startswith("Your weakest topic is graphs (mean 1.7 over 3 attempts)")


def test_middle_mean_gives_medium(store: ProgressStore) -> None:
    _rec(store, "heaps", [2, 3])  # 2.5
    _rec(store, "trees", [3, 4], day=5)  # 3.5
    rec = recommend(store, "alice", _bank(), "amazon", round="coding")
    assert (rec.question.topic, rec.question.difficulty) == ("heaps", "medium")


def test_strong_topic_steps_up(store: ProgressStore) -> None:
    _rec(store, "trees", [3, 4], difficulty="medium")  # mean 3.5, last medium -> hard
    rec = recommend(store, "alice", _bank(), "amazon", round="coding")
    assert (rec.question.topic, rec.question.difficulty) == ("trees", "hard")
    assert "step up" in rec.reason


def test_only_unseen_questions(store: ProgressStore) -> None:
    bank = _bank()
    easy_graphs = [q for q in bank if q.topic == "graphs" and q.difficulty == "easy"]
    for q in easy_graphs[:1]:
        store.record("alice", q, feedback(1), at(0), at(0, 20))
    for _ in range(10):
        rec = recommend(store, "alice", bank, "amazon", round="coding", rng=random.Random(_))
        assert rec.question.id == easy_graphs[1].id  # the only unseen easy graphs question
    store.record("alice", easy_graphs[1], feedback(1), at(1), at(1, 20))
    rec = recommend(store, "alice", bank, "amazon", round="coding")
    # no unseen easy graphs left: the nearest difficulty of the same topic
    assert rec.question.topic == "graphs" and rec.question.difficulty == "medium"
    assert rec.question.id not in store.seen_question_ids("alice")


def test_all_seen_in_weakest_topic_moves_to_next(store: ProgressStore) -> None:
    bank = [question("a", "graphs", "easy"), question("b", "graphs", "medium"),
            question("a", "trees", "medium"), question("b", "trees", "hard")]
    store.record("alice", bank[0], feedback(1), at(0), at(0, 5))
    store.record("alice", bank[1], feedback(1), at(1), at(1, 5))  # graphs mean 1.0, all seen
    store.record("alice", bank[2], feedback(2), at(2), at(2, 5))  # trees mean 2.0
    rec = recommend(store, "alice", bank, "general", round="coding")
    assert rec.question.id == bank[3].id
    assert "weakest topic with unseen questions in coding is trees" in rec.reason
    assert "every graphs question" in rec.reason


def test_untried_topic_after_practised_ones_are_exhausted(store: ProgressStore) -> None:
    bank = [question("a", "graphs"), question("a", "heaps", "hard"), question("b", "heaps")]
    store.record("alice", bank[0], feedback(2), at(0), at(0, 5))
    rec = recommend(store, "alice", bank, "general", round="coding")
    assert rec.question.id == bank[2].id  # the medium heaps question
    assert "not tried" in rec.reason


def test_everything_seen_gives_least_recently_seen(store: ProgressStore) -> None:
    bank = [question("a", "graphs"), question("b", "graphs"), question("a", "trees")]
    store.record("alice", bank[1], feedback(1), at(0), at(0, 5))
    store.record("alice", bank[0], feedback(2), at(1), at(1, 5))
    store.record("alice", bank[2], feedback(3), at(2), at(2, 5))
    store.record("alice", bank[1], feedback(1), at(3), at(3, 5))  # b seen again: now the most recent
    rec = recommend(store, "alice", bank, "general", round="coding")
    assert rec.question.id == bank[0].id
    assert "longest ago" in rec.reason


def test_company_filter_is_the_passed_questions(store: ProgressStore) -> None:
    # History is weakest in a topic only Google has; Amazon candidates must not include it.
    _rec(store, "caching", [1, 1], company="google", round="system_design")
    _rec(store, "graphs", [2, 2], company="google", day=5)
    _rec(store, "trees", [3, 3], company="amazon", day=10)
    # The caller's Amazon list: coding questions, and no general graphs questions in it.
    amazon = [q for q in _bank() if q.round == "coding" and (q.company == "amazon" or q.topic != "graphs")]
    for seed in range(5):
        rec = recommend(store, "alice", amazon, "amazon", rng=random.Random(seed))
        assert rec.question in amazon
        assert rec.question.topic == "graphs" and rec.question.company == "amazon"
        assert rec.question.difficulty == "medium"


def test_round_scopes_questions_and_history(store: ProgressStore) -> None:
    _rec(store, "graphs", [1, 1])
    rec = recommend(store, "alice", _bank(), "amazon", round="system_design")
    assert rec.question.round == "system_design" and "no history in system design" in rec.reason
    with pytest.raises(ValueError, match="no questions"):
        recommend(store, "alice", _bank(), "amazon", round="behavioral")


def test_profiles_are_separate(store: ProgressStore) -> None:
    _rec(store, "graphs", [1, 1])
    rec = recommend(store, "bob", _bank(), "amazon", round="coding")
    assert "no history" in rec.reason


def test_step_up_from_easy_is_medium(store: ProgressStore) -> None:
    _rec(store, "heaps", [4, 3], difficulty="easy")  # mean 3.5, last easy -> medium
    rec = recommend(store, "alice", _bank(), "amazon", round="coding")
    assert (rec.question.topic, rec.question.difficulty) == ("heaps", "medium")
    assert rec.reason.endswith("question to step up.")

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path

import pytest
from pydantic import ValidationError

from rag_coach.progress.store import DB_FILE, ProgressError, ProgressStore, TopicStat

from .helpers import at, feedback, question


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore.in_data_dir(tmp_path / "data")


def _fill(store: ProgressStore, profile: str = "alice") -> None:
    plan = [
        # (topic, qid, overall, day, company)
        ("graphs", "a", 2, 1, "general"),
        ("graphs", "b", 1, 2, "amazon"),
        ("graphs", "c", 3, 3, "general"),  # graphs: mean 2.0 over 3
        ("hashing", "a", 1, 4, "general"),
        ("hashing", "b", 3, 5, "amazon"),  # hashing: mean 2.0 over 2
        ("heaps", "a", 2, 6, "general"),  # heaps: mean 2.0 over 1, day 6
        ("intervals", "a", 2, 7, "general"),  # intervals: mean 2.0 over 1, day 7 (more recent)
        ("linked_list", "a", 1, 8, "amazon"),  # linked_list: mean 1.0
        ("trees", "a", 4, 9, "general"),
        ("trees", "b", 3, 10, "general"),  # trees: mean 3.5
    ]
    for topic, qid, overall, day, company in plan:
        q = question(qid, topic, company=company)
        store.record(profile, q, feedback(overall), at(day), at(day, 30))


def test_creates_file_with_schema_version_and_wal(tmp_path: Path, store: ProgressStore) -> None:
    assert store.path == tmp_path / "data" / DB_FILE
    assert not store.path.exists()
    store.history("alice")
    assert store.path.is_file()
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    finally:
        conn.close()
    ProgressStore(store.path).history("alice")  # reopening keeps one version row
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1
    conn.close()


def test_record_and_history(store: ProgressStore) -> None:
    q = question("a", "graphs", difficulty="hard", company="amazon")
    mistakes = ("mistake.graphs.no_visited", "mistake.graphs.no_visited", "mistake.communication.silent")
    fb = feedback(3, mistakes=mistakes, hints=2, time_s=1234.5)
    start = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    attempt_id = store.record("alice", q, fb, start, start + dt.timedelta(minutes=40))
    store.record("alice", question("b", "trees"), feedback(2), at(100), at(100, 20))

    history = store.history("alice")
    assert [a.question_id for a in history] == ["q.general.trees.b", "q.amazon.graphs.a"]  # newest first
    first = history[1]
    assert first.id == attempt_id
    assert (first.profile, first.company, first.round, first.topic, first.difficulty) == (
        "alice", "amazon", "coding", "graphs", "hard")
    assert first.overall == 3
    assert first.dimensions == fb.scores() and first.dimensions["communication"] == 4
    assert first.hints_used == 2 and first.time_used_s == 1234.5
    assert first.mistake_ids == ["mistake.graphs.no_visited", "mistake.communication.silent"]
    assert first.started_at == "2026-03-01T08:00:00+00:00"  # stored as UTC
    assert first.finished_at == "2026-03-01T08:40:00+00:00"
    assert first.feedback == fb and first.delivery is None
    assert len(store.history("alice", limit=1)) == 1
    assert store.history("bob") == []


def test_rejects_bad_feedback(store: ProgressStore) -> None:
    with pytest.raises(ValidationError, match="less than or equal to 4"):
        feedback(5)  # a score outside 1-4 cannot even be built
    with pytest.raises(ProgressError, match="only a graded Feedback"):
        store.record("alice", question("a", "graphs"), {"overall": 3, "dimensions": {}}, at(0), at(0, 1))  # type: ignore[arg-type]
    with pytest.raises(ProgressError, match="JSON"):
        store.record("alice", question("a", "graphs"), feedback(3), at(0), at(0, 1), delivery={"bad": object()})
    assert store.history("alice") == []


def test_an_unreadable_stored_record_is_kept_and_shown_without_feedback(store: ProgressStore) -> None:
    store.record("alice", question("a", "graphs"), feedback(3), at(0), at(0, 1), delivery={"words": 12})
    with sqlite3.connect(store.path) as conn:  # as written by a version with another feedback shape
        conn.execute("UPDATE attempts SET feedback = ?", ('{"overall": 3, "old_field": 1, "delivery": {"words": 12}}',))
    [attempt] = store.history("alice")
    assert attempt.feedback is None and attempt.delivery == {"words": 12} and attempt.overall == 3
    with sqlite3.connect(store.path) as conn:
        assert "old_field" in conn.execute("SELECT feedback FROM attempts").fetchone()[0]  # nothing lost


def test_topic_averages(store: ProgressStore) -> None:
    _fill(store)
    stats = {s.topic: s for s in store.topic_averages("alice")}
    assert stats["graphs"] == TopicStat("graphs", "coding", 3, 2.0, at(3, 30).isoformat())
    assert stats["hashing"].attempts == 2 and stats["hashing"].mean_overall == 2.0
    assert stats["trees"].mean_overall == 3.5 and stats["trees"].last_attempt == at(10, 30).isoformat()
    assert stats["linked_list"].mean_overall == 1.0
    amazon = {s.topic: (s.attempts, s.mean_overall) for s in store.topic_averages("alice", company="amazon")}
    assert amazon == {"graphs": (1, 1.0), "hashing": (1, 3.0), "linked_list": (1, 1.0)}
    assert store.topic_averages("bob") == []


def test_weakest_topics_order_and_ties(store: ProgressStore) -> None:
    _fill(store)
    # linked_list 1.0; then four topics at 2.0: fewer attempts first, equal attempts -> most recent first.
    order = [s.topic for s in store.weakest_topics("alice", n=10)]
    assert order == ["linked_list", "intervals", "heaps", "hashing", "graphs", "trees"]
    assert [s.topic for s in store.weakest_topics("alice")] == ["linked_list", "intervals", "heaps"]
    assert [s.topic for s in store.weakest_topics("alice", company="amazon", n=2)] == ["linked_list", "graphs"]


def test_seen_ids_and_mistake_counts(store: ProgressStore) -> None:
    two = feedback(2, ("mistake.graphs.x", "mistake.trees.y"))
    store.record("alice", question("a", "graphs"), two, at(1), at(1, 5))
    store.record("alice", question("a", "graphs"), feedback(3, ("mistake.graphs.x",)), at(2), at(2, 5))
    store.record("alice", question("b", "trees"), feedback(3), at(3), at(3, 5))
    store.record("bob", question("c", "heaps"), feedback(1, ("mistake.heaps.z",)), at(3), at(3, 5))
    assert store.seen_question_ids("alice") == {"q.general.graphs.a", "q.general.trees.b"}
    assert store.mistake_counts("alice") == {"mistake.graphs.x": 2, "mistake.trees.y": 1}
    assert list(store.mistake_counts("alice")) == ["mistake.graphs.x", "mistake.trees.y"]
    assert store.last_seen("alice")["q.general.graphs.a"] == at(2, 5).isoformat()
    assert store.profiles() == ["alice", "bob"]


def test_export_has_only_that_profile(tmp_path: Path, store: ProgressStore) -> None:
    _fill(store, "alice")
    _fill(store, "bob")
    store.record("bob", question("z", "heaps"), feedback(4), at(20), at(20, 5))
    data = store.export("alice")
    assert data["profile"] == "alice"
    assert len(data["attempts"]) == 10
    assert {a["profile"] for a in data["attempts"]} == {"alice"}
    assert data["attempts"][0]["finished_at"] < data["attempts"][-1]["finished_at"]  # oldest first
    assert json.loads(json.dumps(data)) == data
    out = store.export_json("bob", tmp_path / "exports" / "bob.json")
    loaded = json.loads(out.read_text(encoding="utf-8"))
    assert len(loaded["attempts"]) == 11 and {a["profile"] for a in loaded["attempts"]} == {"bob"}


def test_delete_only_that_profile(store: ProgressStore) -> None:
    _fill(store, "alice")
    _fill(store, "bob")
    assert store.delete("alice") == 10
    assert store.history("alice") == [] and store.topic_averages("alice") == []
    assert len(store.history("bob")) == 10
    assert store.delete("alice") == 0


def test_concurrent_profiles(store: ProgressStore) -> None:
    per_thread, threads = 15, 8
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            for k in range(per_thread):
                q = question(f"t{i}_{k}", "graphs")
                store.record(f"p{i}", q, feedback(1 + (i + k) % 4), at(k), at(k, 10))
                store.history(f"p{i}", limit=3)  # reads interleaved with other threads' writes
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    for i in range(threads):
        history = store.history(f"p{i}")
        assert len(history) == per_thread
        assert {a.profile for a in history} == {f"p{i}"}
        assert {a.question_id for a in history} == {f"q.general.graphs.t{i}_{k}" for k in range(per_thread)}

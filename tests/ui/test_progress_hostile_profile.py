"""A hostile profile name neither escapes the exports folder nor shows as markup in the Progress tab."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rag_coach.progress.store import ProgressStore
from rag_coach.ui.progress_tab import export_progress, load_progress, profile_md, profile_slug
from tests.progress.helpers import T0, feedback, question

HOSTILE = ["../../x", "a/b", "<script>", "..", "/etc/passwd", "..\\..\\x", "a\x00b", "x" * 500, "", "Jos\u00e9"]


@pytest.mark.parametrize("name", HOSTILE)
def test_export_stays_inside_the_exports_folder(tmp_path: Path, name: str) -> None:
    store = ProgressStore(tmp_path / "progress.sqlite")
    store.record(name or "default", question("a", "graphs"), feedback(3), T0, T0)
    folder = tmp_path / "exports"
    out = export_progress(store, name, folder)
    assert out.parent == folder and out.resolve().parent == folder.resolve()
    assert re.fullmatch(r"rag_coach_history_[A-Za-z0-9_-]+\.json", out.name) and len(out.name) < 100
    assert [p.name for p in tmp_path.rglob("*.json")] == [out.name]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["profile"] == (name or "default") and len(data["attempts"]) == 1


def test_slug_keeps_plain_names_and_separates_hostile_ones() -> None:
    assert profile_slug("alice") == "alice" and profile_slug("bob_2-x") == "bob_2-x" and profile_slug("") == "default"
    assert profile_slug("a/b") != profile_slug("a_b") and profile_slug("a/b").startswith("a_b-")
    assert profile_slug("<script>").startswith("script-")
    assert profile_slug("../../x") == profile_slug("../../x") and "." not in profile_slug("../../x")


@pytest.mark.parametrize("name", ["<script>window.__pwned=1</script>", "`x` <b>", "[click](javascript:alert(1))",
                                  "a\n\n# heading", "*bold* _it_ ~~s~~ \\"])
def test_summary_shows_the_name_as_text(tmp_path: Path, name: str) -> None:
    text, _, _ = load_progress(ProgressStore(tmp_path / "progress.sqlite"), name)
    shown = profile_md(name)
    assert shown in text
    assert "<" not in text and "[" not in text and "\n" not in text
    assert "`" not in text.replace("\\`", "")  # no code span: every backtick is escaped
    for mark in "*_~":
        assert mark not in shown.replace("\\" + mark, "")
    assert profile_md("alice") == "alice"


def test_weakest_topic_names_show_as_text(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.sqlite")
    topic = "<img src=x onerror=alert(1)>_[x](javascript:y)"  # bank topics are slugs; a stored row need not be
    store.record("alice", question("a", "graphs").model_copy(update={"topic": topic}), feedback(2), T0, T0)
    text, _, _ = load_progress(store, "alice")
    assert "Weakest topics:" in text and "onerror" in text  # the name is shown ...
    assert "<" not in text and "[" not in text  # ... as text, never as markup or a link

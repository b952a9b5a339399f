"""The Progress tab tells the user when a damaged progress database was moved aside."""

from __future__ import annotations

import random
from pathlib import Path

from rag_coach.progress.store import DB_FILE, ProgressStore
from rag_coach.ui.progress_tab import load_progress


def test_progress_tab_shows_the_recovery_notice(tmp_path: Path) -> None:
    path = tmp_path / DB_FILE
    path.write_bytes(random.Random(1).randbytes(8192))
    store = ProgressStore(path)
    text, _, rows = load_progress(store, "alice")
    assert rows == []
    assert text.startswith("**Notice:** Your progress database") and "moved aside" in text and str(store.recovered_from) in text
    healthy_text, _, _ = load_progress(ProgressStore(tmp_path / "other.sqlite"), "alice")
    assert "**Notice:**" not in healthy_text

"""Settings precedence: defaults < config file < RAG_COACH_* env < explicit overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rag_coach.settings import load_settings


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_COACH_INDEX_DIR", raising=False)
    monkeypatch.delenv("RAG_COACH_CORPUS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert load_settings().index_dir == Path("indexes")
    config = tmp_path / "conf.yaml"
    config.write_text("index_dir: from_config\ncorpus_dir: corpus_from_config\nretrieval:\n  top_k: 7\n")
    s = load_settings(config)
    assert (s.index_dir, s.retrieval.top_k) == (Path("from_config"), 7)
    monkeypatch.setenv("RAG_COACH_INDEX_DIR", "from_env")
    monkeypatch.setenv("RAG_COACH_RETRIEVAL__MODE", "bm25")
    s = load_settings(config)
    assert (s.index_dir, s.corpus_dir, s.retrieval.mode) == (Path("from_env"), Path("corpus_from_config"), "bm25")
    assert load_settings(config, index_dir=Path("from_flag")).index_dir == Path("from_flag")


def test_bad_values_are_rejected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_COACH_RETRIEVAL__MODE", "magic")
    with pytest.raises(ValidationError):
        load_settings()
    with pytest.raises(FileNotFoundError, match="config file"):
        load_settings(tmp_path / "missing.yaml")

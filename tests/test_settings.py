"""Settings precedence: defaults < config file < RAG_COACH_* env < explicit overrides."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from rag_coach.llm.models import model_path, models_dir
from rag_coach.settings import Settings, default_data_dir, load_settings, updated


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


def test_models_dir_defaults_to_data_dir_models_and_can_be_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_COACH_MODELS_DIR")
    assert models_dir(load_settings(data_dir=tmp_path)) == tmp_path / "models"
    assert models_dir(load_settings(data_dir=tmp_path, models_dir=tmp_path / "gguf")) == tmp_path / "gguf"
    monkeypatch.setenv("RAG_COACH_MODELS_DIR", str(tmp_path / "from_env"))
    assert model_path(load_settings(data_dir=tmp_path)).parent == tmp_path / "from_env"


def test_tests_run_without_the_callers_environment_or_data_dir(model_cache: Path) -> None:
    """tests/conftest.py: no RAG_COACH_* variable but the models folder, and a default data dir of the test's own."""
    assert [n for n in os.environ if n.startswith("RAG_COACH_")] == ["RAG_COACH_MODELS_DIR"]
    settings = load_settings()
    assert settings.data_dir == default_data_dir() == Path(os.environ["XDG_DATA_HOME"]) / "rag_coach"
    user_data = Path.home() / ".local" / "share"
    assert not settings.data_dir.is_relative_to(user_data) and not settings.data_dir.exists()
    assert models_dir(settings) == model_cache != settings.data_dir / "models"


@pytest.mark.parametrize("leak", ["first", "second"])
def test_a_variable_set_by_one_test_does_not_reach_the_next(leak: str) -> None:
    assert "RAG_COACH_LEAK" not in os.environ and "XDG_DATA_HOME" in os.environ
    os.environ["RAG_COACH_LEAK"] = leak  # set the way library code would, not through monkeypatch


def test_the_config_file_is_an_argument_not_an_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "conf.yaml"
    config.write_text("index_dir: from_config\n")
    environ = dict(os.environ)
    assert Settings(config_file=config).index_dir == Path("from_config")  # no variable needed to read it
    assert load_settings(config).config_file == config and dict(os.environ) == environ
    monkeypatch.setenv("RAG_COACH_CONFIG", str(config))
    assert Settings().index_dir == Path("indexes")  # only load_settings looks the variable up
    assert load_settings().index_dir == Path("from_config")


def test_settings_are_frozen_and_updated_returns_a_copy(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    with pytest.raises(ValidationError, match="frozen"):
        settings.coach.min_relevance = 0.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        settings.index_dir = tmp_path  # type: ignore[misc]
    copy = updated(settings, index_dir=tmp_path / "other", coach={"min_relevance": 0.0})
    assert (copy.index_dir, copy.coach.min_relevance, copy.coach.passages) == (tmp_path / "other", 0.0, 3)
    assert (settings.index_dir, settings.coach.min_relevance) == (Path("indexes"), 0.40)  # the original is unchanged
    with pytest.raises(AttributeError, match="no setting 'min_relevanse'"):
        updated(settings, coach={"min_relevanse": 0.0})

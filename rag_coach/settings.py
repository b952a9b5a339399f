"""One typed settings object: defaults < config file (YAML) < RAG_COACH_* environment < explicit overrides.

Nothing is read at import time: call :func:`load_settings`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

RetrievalMode = Literal["bm25", "dense", "hybrid"]
FusionMethod = Literal["rrf", "weighted"]


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rag_coach"


class ChunkingSettings(BaseModel):
    max_chars: int = Field(900, ge=200, description="Longest chunk body; MiniLM truncates past ~256 tokens.")
    min_chars: int = Field(40, ge=0, description="Shorter trailing pieces are merged into the previous chunk.")


class RetrievalSettings(BaseModel):
    mode: RetrievalMode = "hybrid"
    top_k: int = Field(5, ge=1, le=100)
    fusion: FusionMethod = "weighted"
    candidates: int = Field(30, ge=1, description="Depth taken from each ranker before fusion.")
    dense_weight: float = Field(0.7, ge=0.0, le=1.0, description="Weight of the dense ranker in fusion.")
    rrf_k: int = Field(60, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RAG_COACH_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("indexes")
    data_dir: Path = Field(default_factory=default_data_dir)
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="A sentence-transformers model: the name of the bundled offline model or a local folder.",
    )
    embedding_batch_size: int = 32
    max_file_bytes: int = Field(5_000_000, description="Corpus files larger than this are skipped.")
    chunking: ChunkingSettings = ChunkingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()

    config_file: Path | None = Field(None, exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = os.environ.get("RAG_COACH_CONFIG")
        if config:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=config))
        return tuple(sources)


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings. ``overrides`` (e.g. from CLI flags) win over everything; ``None`` values are ignored.

    The config file is ``config_file``, else ``$RAG_COACH_CONFIG``, else ``rag_coach.yaml`` in the
    working directory when it exists.
    """
    clean = {k: v for k, v in overrides.items() if v is not None}
    path = config_file or os.environ.get("RAG_COACH_CONFIG")
    if path is None and Path("rag_coach.yaml").is_file():
        path = "rag_coach.yaml"
    if path is not None:
        if not Path(path).is_file():
            raise FileNotFoundError(f"config file {path} does not exist; fix the path or unset RAG_COACH_CONFIG")
        previous = os.environ.get("RAG_COACH_CONFIG")
        os.environ["RAG_COACH_CONFIG"] = str(path)
        try:
            return Settings(**clean, config_file=Path(path))
        finally:
            if previous is None:
                os.environ.pop("RAG_COACH_CONFIG", None)
            else:
                os.environ["RAG_COACH_CONFIG"] = previous
    return Settings(**clean)

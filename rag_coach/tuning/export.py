"""Convert a PEFT LoRA (safetensors) into a GGUF LoRA that llama.cpp and the adapter slot accept.

Names: ``model.layers.N.self_attn.{q,k,v,o}_proj`` -> ``blk.N.attn_{q,k,v,output}.weight`` and
``model.layers.N.mlp.{gate,up,down}_proj`` -> ``blk.N.ffn_{gate,up,down}.weight``. PEFT's
``lora_A.weight`` (r, in) and ``lora_B.weight`` (out, r) are already llama.cpp's numpy layouts
(:mod:`rag_coach.tuning.gguf_lora`); the scale ``alpha / r`` is the same in both (rsLoRA's
``alpha / sqrt(r)`` is folded into alpha).

Q/K row order: llama.cpp's ``convert_hf_to_gguf`` permutes the rows of q_proj/k_proj for the
``llama`` architecture only (rotary halves interleaved); transformers' GGUF loader undoes it, so a
LoRA B trained on the loaded model must be permuted again for ``llama`` GGUFs. Gemma 3 and Qwen2
are not permuted: :func:`compare_layout` checks this by comparing the dequantised GGUF tensor with
the transformers-loaded weight. Measured on gemma-3-270m Q4_K_M (layer 0): q/k/v are
identical in stored order (max difference 0.0, same dequantisation) and differ by 9-33x the mean
|w| in the llama-permuted order; ``rag-coach tune export --verify-layout`` repeats the check.
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from rag_coach.llm.adapter import GGUFHeader, check_adapter, read_header
from rag_coach.tuning.gguf_lora import write_lora_gguf

log = logging.getLogger(__name__)

HF_TO_GGUF: dict[str, str] = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
PERMUTED_QK_ARCHITECTURES = frozenset({"llama"})
_KEY = re.compile(r"layers\.(\d+)\.((?:self_attn|mlp)\.\w+)\.lora_([AB])(?:\.default)?\.weight$")


class ExportError(ValueError):
    """The PEFT adapter cannot be exported for this base model."""


def gguf_target(hf_key: str) -> tuple[str, str]:
    """``base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight`` -> (``blk.3.attn_q.weight``, ``A``)."""
    match = _KEY.search(hf_key)
    if not match or match.group(2) not in HF_TO_GGUF:
        raise ExportError(f"adapter tensor '{hf_key}' is not a LoRA on a supported module ({', '.join(HF_TO_GGUF)})")
    layer, module, side = match.groups()
    return f"blk.{layer}.{HF_TO_GGUF[module]}.weight", side


def llama_permute(rows: np.ndarray, n_head: int) -> np.ndarray:
    """convert_hf_to_gguf's LlamaModel.permute on the output rows (works for a weight or a LoRA B)."""
    return rows.reshape(n_head, 2, rows.shape[0] // n_head // 2, *rows.shape[1:]).swapaxes(1, 2).reshape(rows.shape)


def _heads(header: GGUFHeader, target: str) -> int | None:
    arch = header.architecture
    if ".attn_q." in target:
        return int(header.fields[f"{arch}.attention.head_count"])
    if ".attn_k." in target:
        return int(header.fields.get(f"{arch}.attention.head_count_kv") or header.fields[f"{arch}.attention.head_count"])
    return None


def read_peft(adapter_dir: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    from safetensors.numpy import load_file

    adapter_dir = Path(adapter_dir)
    config_path, weights_path = adapter_dir / "adapter_config.json", adapter_dir / "adapter_model.safetensors"
    if not config_path.is_file() or not weights_path.is_file():
        raise ExportError(f"{adapter_dir} is not a PEFT adapter folder (needs adapter_config.json and adapter_model.safetensors)")
    return json.loads(config_path.read_text(encoding="utf-8")), load_file(str(weights_path))


def peft_to_lora(config: dict[str, Any], weights: dict[str, np.ndarray], header: GGUFHeader) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], float]:
    """GGUF tensors ``{target: (A, B)}`` and the GGUF alpha, checked against the base model's shapes."""
    if config.get("peft_type", "LORA") != "LORA" or config.get("rank_pattern") or config.get("alpha_pattern"):
        raise ExportError("only plain LoRA adapters (one rank and alpha for all modules) can be exported")
    rank = int(config["r"])
    alpha = float(config["lora_alpha"]) * (math.sqrt(rank) if config.get("use_rslora") else 1.0)
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, value in weights.items():
        target, side = gguf_target(key)
        pairs.setdefault(target, {})[side] = np.asarray(value, dtype=np.float32)
    tensors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for target, sides in sorted(pairs.items()):
        if set(sides) != {"A", "B"}:
            raise ExportError(f"{target}: the adapter has lora_{'A' if 'A' not in sides else 'B'} missing")
        a, b = sides["A"], sides["B"]
        if target not in header.tensors:
            raise ExportError(f"the base model has no tensor {target}: the adapter was trained on another model")
        n_in, n_out = header.tensors[target][:2]
        if a.shape != (rank, n_in) or b.shape != (n_out, rank):
            raise ExportError(f"{target}: lora_A {a.shape} / lora_B {b.shape} do not fit the base ({n_in} in, {n_out} out, r={rank})")
        heads = _heads(header, target)
        if header.architecture in PERMUTED_QK_ARCHITECTURES and heads:
            b = llama_permute(b, heads)
        tensors[target] = (a, b)
    if not tensors:
        raise ExportError("the adapter has no LoRA tensors")
    return tensors, alpha


def export(adapter_dir: Path, base: Path, out: Path, name: str | None = None) -> Path:
    """Write ``out`` (GGUF LoRA with base sha256 and architecture) and check it with the adapter slot's check."""
    from rag_coach.llm.models import sha256_of

    header = read_header(base)
    config, weights = read_peft(adapter_dir)
    tensors, alpha = peft_to_lora(config, weights, header)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_lora_gguf(out, header, tensors, alpha=alpha, base_sha256=sha256_of(base), name=name or f"rag_coach LoRA ({Path(adapter_dir).name})")
    check_adapter(out, base)
    log.info("exported %d LoRA pairs (r=%s, alpha=%s) for %s to %s", len(tensors), config["r"], alpha, header.architecture, out)
    return out


def compare_layout(base: Path, model: Any, layer: int = 0) -> dict[str, dict[str, float]]:
    """Max |GGUF dequantised - transformers weight| for q/k/v of one layer, as stored and after the llama permutation."""
    import gguf

    header = read_header(base)
    reader = gguf.GGUFReader(str(base))
    by_name = {t.name: t for t in reader.tensors}
    result: dict[str, dict[str, float]] = {}
    layers = model.get_base_model().model.layers if hasattr(model, "get_base_model") else model.model.layers
    attn = layers[layer].self_attn
    for module, short in (("q_proj", "attn_q"), ("k_proj", "attn_k"), ("v_proj", "attn_v")):
        target = f"blk.{layer}.{short}.weight"
        tensor = by_name[target]
        stored = gguf.quants.dequantize(tensor.data, tensor.tensor_type).reshape(getattr(attn, module).weight.shape)
        hf = getattr(attn, module).weight.detach().cpu().float().numpy()
        heads = _heads(header, target) or 1
        scale = float(np.abs(hf).mean()) or 1.0
        result[short] = {
            "direct": float(np.abs(stored - hf).max()) / scale,
            "llama_permuted": float(np.abs(llama_permute(hf, heads) - stored).max()) / scale,
        }
    return result

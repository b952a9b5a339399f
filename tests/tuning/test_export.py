"""PEFT -> GGUF LoRA export: names, shapes, metadata, the adapter slot's check, the llama Q/K permutation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag_coach.llm.adapter import GGUFHeader, check_adapter, read_header
from rag_coach.llm.models import GEMMA_270M
from rag_coach.tuning.export import ExportError, export, gguf_target, llama_permute, peft_to_lora

RANK, ALPHA = 4, 8.0
PREFIX = "base_model.model.model.layers"


def write_peft(folder: Path, shapes: dict[str, tuple[int, int]], layers: int = 2, rank: int = RANK, seed: int = 0) -> Path:
    """A PEFT-format LoRA folder (what `tune train` writes) with small random A/B for ``layers`` layers."""
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    tensors = {}
    for layer in range(layers):
        for module, (n_in, n_out) in shapes.items():
            tensors[f"{PREFIX}.{layer}.{module}.lora_A.weight"] = rng.normal(0, 0.02, (rank, n_in)).astype(np.float32)
            tensors[f"{PREFIX}.{layer}.{module}.lora_B.weight"] = rng.normal(0, 0.02, (n_out, rank)).astype(np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(folder / "adapter_model.safetensors"))
    config = {"peft_type": "LORA", "r": rank, "lora_alpha": ALPHA, "target_modules": sorted({m.split(".")[-1] for m in shapes}),
              "task_type": "CAUSAL_LM", "use_rslora": False, "rank_pattern": {}, "alpha_pattern": {}}
    (folder / "adapter_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_module_names_map_to_llama_cpp_tensors() -> None:
    assert gguf_target(f"{PREFIX}.3.self_attn.q_proj.lora_A.weight") == ("blk.3.attn_q.weight", "A")
    assert gguf_target(f"{PREFIX}.0.self_attn.o_proj.lora_B.weight") == ("blk.0.attn_output.weight", "B")
    assert gguf_target(f"{PREFIX}.17.mlp.down_proj.lora_B.default.weight") == ("blk.17.ffn_down.weight", "B")
    with pytest.raises(ExportError, match="not a LoRA on a supported module"):
        gguf_target(f"{PREFIX}.0.self_attn.q_norm.lora_A.weight")


def test_llama_permutation_is_applied_only_for_llama() -> None:
    w = np.arange(8 * 3, dtype=np.float32).reshape(8, 3)  # 2 heads of 4 rows: rotary halves interleaved
    assert llama_permute(w, 2)[:, 0].tolist() == [0, 6, 3, 9, 12, 18, 15, 21]
    shapes = {"blk.0.attn_q.weight": (3, 8), "blk.0.attn_v.weight": (3, 8)}
    fields = {"llama.attention.head_count": 2, "llama.attention.head_count_kv": 2}
    weights = {f"{PREFIX}.0.self_attn.q_proj.lora_A.weight": np.ones((1, 3), np.float32),
               f"{PREFIX}.0.self_attn.q_proj.lora_B.weight": w[:, :1].copy(),
               f"{PREFIX}.0.self_attn.v_proj.lora_A.weight": np.ones((1, 3), np.float32),
               f"{PREFIX}.0.self_attn.v_proj.lora_B.weight": w[:, :1].copy()}
    config = {"r": 1, "lora_alpha": 2}
    for arch, permuted in (("llama", True), ("gemma3", False)):
        header = GGUFHeader(Path("x"), arch, "model", None, None, {k.replace("llama", arch): v for k, v in fields.items()}, shapes)
        tensors, alpha = peft_to_lora(config, weights, header)
        assert alpha == 2.0
        q_b, v_b = tensors["blk.0.attn_q.weight"][1], tensors["blk.0.attn_v.weight"][1]
        assert np.array_equal(q_b, llama_permute(w[:, :1], 2) if permuted else w[:, :1])
        assert np.array_equal(v_b, w[:, :1])


@pytest.mark.model
def test_export_for_two_layers_of_gemma(gemma: Path, tmp_path: Path) -> None:
    header = read_header(gemma)
    shapes = {"self_attn.q_proj": (640, 1024), "self_attn.v_proj": (640, 256), "mlp.down_proj": (2048, 640)}
    out = export(write_peft(tmp_path / "peft", shapes), gemma, tmp_path / "lora.gguf")
    head = check_adapter(out, gemma)
    assert head.type == "adapter" and head.architecture == "gemma3"
    assert head.fields["adapter.type"] == "lora" and head.fields["adapter.lora.alpha"] == ALPHA
    assert head.fields["adapter.base_model.sha256"] == GEMMA_270M.sha256
    expected = {}
    for layer in range(2):
        for short, (n_in, n_out) in (("attn_q", (640, 1024)), ("attn_v", (640, 256)), ("ffn_down", (2048, 640))):
            assert header.tensors[f"blk.{layer}.{short}.weight"][:2] == (n_in, n_out)
            expected[f"blk.{layer}.{short}.weight.lora_a"] = (n_in, RANK)
            expected[f"blk.{layer}.{short}.weight.lora_b"] = (RANK, n_out)
    assert head.tensors == expected


@pytest.mark.model
def test_export_refuses_an_adapter_for_other_shapes(gemma: Path, tmp_path: Path) -> None:
    peft = write_peft(tmp_path / "peft", {"self_attn.q_proj": (1536, 1536)}, layers=1)
    with pytest.raises(ExportError, match="do not fit the base"):
        export(peft, gemma, tmp_path / "lora.gguf")
    assert not (tmp_path / "lora.gguf").exists()

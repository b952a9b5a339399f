"""End to end on the 270M model: `tune train` a few steps, `tune export`, load the GGUF LoRA in llama.cpp."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from rag_coach.cli import main
from rag_coach.interview.questions import QuestionBank
from rag_coach.llm.adapter import check_adapter
from rag_coach.llm.embedded import EmbeddedBackend
from rag_coach.settings import Settings
from rag_coach.tuning.dataset import build_dataset, write_jsonl

pytestmark = [pytest.mark.model, pytest.mark.slow]
STEPS = 3


def _greedy(gemma: Path, messages: list[dict[str, str]], adapter: Path | None) -> str:
    backend = EmbeddedBackend(gemma, adapter=adapter, context_tokens=256, threads=2)
    return "".join(backend.stream_chat(messages, max_tokens=16, temperature=0))  # type: ignore[arg-type]


def test_train_export_and_serve_a_tiny_adapter(gemma: Path, bank: QuestionBank, shipped_bank_settings: Settings,
                                               tmp_path: Path) -> None:
    hints = [e for e in build_dataset(bank, shipped_bank_settings) if e["task"] == "hint" and e["split"] == "train"]
    dataset = write_jsonl(sorted(hints, key=lambda e: len(e["messages"][1]["content"]))[:4], tmp_path / "tiny.jsonl")
    adapter_dir, gguf_out = tmp_path / "peft", tmp_path / "tiny_lora.gguf"
    start = time.perf_counter()
    assert main(["tune", "train", "--base", str(gemma), "--dataset", str(dataset), "--out", str(adapter_dir), "--steps", str(STEPS),
                 "--max-length", "128", "--lr", "1e-2", "--rank", "4", "--alpha", "8", "--eval-examples", "0"]) == 0
    train_seconds = time.perf_counter() - start
    assert (adapter_dir / "adapter_model.safetensors").is_file() and (adapter_dir / "loss_curve.png").stat().st_size > 1000
    log = json.loads((adapter_dir / "training_log.json").read_text())
    assert [e["step"] for e in log["log"]] == list(range(1, STEPS + 1)) and all(np.isfinite(e["loss"]) for e in log["log"])
    assert main(["tune", "export", "--adapter", str(adapter_dir), "--base", str(gemma), "--out", str(gguf_out)]) == 0
    head = check_adapter(gguf_out, gemma)
    assert head.fields["adapter.lora.alpha"] == 8.0 and len(head.tensors) == 2 * 2 * 18  # q and v, A and B, 18 layers

    messages = hints[0]["messages"][:2]
    base_text, tuned_text = _greedy(gemma, messages, None), _greedy(gemma, messages, gguf_out)
    print(f"train {train_seconds:.0f} s ({log['seconds_per_step']} s/step); base: {base_text!r}; tuned: {tuned_text!r}")
    assert base_text == _greedy(gemma, messages, None)  # greedy is deterministic, so a difference is the adapter's
    assert tuned_text != base_text  # lr 1e-2 makes 3 steps enough to move greedy decoding

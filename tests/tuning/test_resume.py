"""A `tune train` killed after a checkpoint continues on rerun to the same steps, losses and adapter as an unbroken run.

It trains in bf16 where the CPU has bf16 hardware (``avx512_bf16`` / ``amx_bf16``; there it also guards the bf16
LoRA copies), else in float32: emulated bf16 is ~20x slower than float32 on an AVX2-only CPU (`bench matmul`), and
made this test take 12 minutes there. Resuming does not depend on the precision."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag_coach.cli import main
from rag_coach.evaluation.bench_matmul import cpu_flags
from rag_coach.interview.questions import QuestionBank
from rag_coach.settings import Settings
from rag_coach.tuning.checkpoint import CHECKPOINT_DIR, STATE_FILE, CheckpointMismatch
from rag_coach.tuning.dataset import build_dataset, write_jsonl

pytestmark = [pytest.mark.model, pytest.mark.slow]
STEPS = 6
PRECISION = "bf16" if cpu_flags().get("avx512_bf16") or cpu_flags().get("amx_bf16") else "fp32"
REPO = Path(__file__).resolve().parents[2]


def _args(gemma: Path, dataset: Path, out: Path, *extra: str) -> list[str]:
    return ["tune", "train", "--base", str(gemma), "--dataset", str(dataset), "--out", str(out), "--steps", str(STEPS),
            "--max-length", "128", "--lr", "1e-2", "--rank", "4", "--alpha", "8", "--eval-examples", "0",
            "--checkpoint-every", "2", "--precision", PRECISION, *extra]


def _adapter(out: Path) -> dict[str, object]:
    from safetensors.torch import load_file

    return load_file(str(out / "adapter_model.safetensors"))


def _kill_after_first_checkpoint(args: list[str], out: Path, timeout: float = 300) -> int:
    """Run `tune train` in a child, SIGKILL it as soon as out/checkpoint/state.pt appears; the checkpoint's step."""
    import torch

    child = subprocess.Popen([sys.executable, "-m", "rag_coach.cli", *args], cwd=REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    state = out / CHECKPOINT_DIR / STATE_FILE
    deadline = time.monotonic() + timeout
    try:
        while not state.is_file():
            assert child.poll() is None, f"training exited ({child.returncode}) before its first checkpoint"
            assert time.monotonic() < deadline, "no checkpoint in time"
            time.sleep(0.02)
        assert child.poll() is None, "training finished before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    return int(torch.load(state, weights_only=False)["step"])


def test_killed_run_continues_to_the_same_result(gemma: Path, bank: QuestionBank, shipped_bank_settings: Settings,
                                                  tmp_path: Path) -> None:
    import torch

    hints = [e for e in build_dataset(bank, shipped_bank_settings) if e["task"] == "hint" and e["split"] == "train"]
    dataset = write_jsonl(sorted(hints, key=lambda e: len(e["messages"][1]["content"]))[:4], tmp_path / "tiny.jsonl")
    unbroken, killed = tmp_path / "unbroken", tmp_path / "killed"
    assert main(_args(gemma, dataset, unbroken)) == 0
    reference = json.loads((unbroken / "training_log.json").read_text())
    losses = [e["loss"] for e in reference["log"]]
    assert sum(losses[-2:]) < sum(losses[:2]) - 1.0  # it learns (a whole-loop autocast froze the bf16 LoRA copies)

    at = _kill_after_first_checkpoint(_args(gemma, dataset, killed), killed)
    assert 2 <= at < STEPS and not (killed / "training_log.json").exists()
    assert main(_args(gemma, dataset, killed)) == 0
    resumed = json.loads((killed / "training_log.json").read_text())

    assert resumed["resumed_from"] == at and reference["resumed_from"] == 0
    assert [e["step"] for e in resumed["log"]] == list(range(1, STEPS + 1))
    assert [e["loss"] for e in resumed["log"]] == pytest.approx([e["loss"] for e in reference["log"]], abs=2e-3)
    assert resumed["precision"] == PRECISION and resumed["seconds_per_step"] > 0 and resumed["tokens_per_second"] > 0
    assert all(e["tokens"] > 0 and e["tokens_per_s"] > 0 for e in resumed["log"]) and resumed["peak_rss_mb"] > 100
    a, b = _adapter(unbroken), _adapter(killed)
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-4) for k in a)  # type: ignore[arg-type]

    with pytest.raises(CheckpointMismatch):  # another run's settings do not mix with this checkpoint
        main(_args(gemma, dataset, killed, "--seed", "1"))

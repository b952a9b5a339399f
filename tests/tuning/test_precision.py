"""Training precision choice and the matmul benchmark it relies on (no model)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from rag_coach.evaluation.bench_matmul import bench_matmul, cpu_flags
from rag_coach.tuning.precision import autocast_context, choose_precision


def _never(_: int) -> float:
    raise AssertionError("no probe expected")


def test_cpu_flags_reads_the_flags_line(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\nbugs\t: none\n", encoding="utf-8")
    flags = cpu_flags(info)
    assert flags["avx512_bf16"] and flags["avx2"] and not flags["amx_bf16"]
    assert not any(cpu_flags(tmp_path / "missing").values())


def test_auto_keeps_fp32_without_bf16_instructions() -> None:
    choice = choose_precision("auto", flags={"avx2": True, "avx512f": True}, probe=_never)
    assert choice.name == "fp32" and not choice.autocast and "neither" in choice.reason


def test_auto_follows_the_probe_where_bf16_instructions_exist() -> None:
    fast = choose_precision("auto", flags={"avx512_bf16": True}, probe=lambda _: 2.6)
    slow = choose_precision("auto", flags={"amx_bf16": True}, probe=lambda _: 0.9)
    assert (fast.name, fast.probe_ratio) == ("bf16", 2.6) and fast.autocast
    assert slow.name == "fp32" and "0.90x" in slow.reason


def test_explicit_precision_wins_and_unknown_is_refused() -> None:
    assert choose_precision("fp32", flags={"amx_bf16": True}, probe=_never).name == "fp32"
    assert choose_precision("bf16", flags={}, probe=_never).name == "bf16"
    with pytest.raises(ValueError):
        choose_precision("fp16")


def test_autocast_context_runs_matmuls_in_bf16_only_for_bf16() -> None:
    import torch

    x = torch.randn(8, 8)
    with autocast_context(choose_precision("bf16")):
        assert torch.mm(x, x).dtype == torch.bfloat16
    with autocast_context(choose_precision("fp32")):
        assert torch.mm(x, x).dtype == torch.float32


def test_bench_matmul_reports_medians_and_ratio() -> None:
    report = bench_matmul(n=128, runs=3, threads=1)
    medians = report["medians_gflops"]
    assert set(medians) == {"float32", "bfloat16"} and all(v > 0 for v in medians.values())
    assert report["bf16_over_fp32"] == pytest.approx(medians["bfloat16"] / medians["float32"], abs=0.01)
    assert all(len(v) == 3 for v in report["samples_gflops"].values()) and "GFLOP/s" in report["text"]


def test_check_eval_summary_and_balanced_rows(tmp_path: Path) -> None:
    from rag_coach.tuning.check_eval import auc, balanced_check_rows, summarise
    from rag_coach.tuning.dataset import write_jsonl

    def row(i: int, target: str, split: str = "validation", task: str = "check") -> dict[str, object]:
        return {"id": f"r{i}", "task": task, "split": split, "messages": [{"role": "user", "content": "q"},
                                                                            {"role": "assistant", "content": target}]}

    rows = [row(0, "yes"), row(1, "yes"), row(2, "yes"), row(3, "no"), row(4, "no", "train"), row(5, "hint", task="hint")]
    picked = balanced_check_rows(write_jsonl(rows, tmp_path / "d.jsonl"), limit=4)  # type: ignore[arg-type]
    assert [r["id"] for r in picked] == ["r0", "r3"]
    assert auc([0.9, 0.2], [True, False]) == 1.0 and auc([0.2, 0.9], [True, False]) == 0.0 and auc([0.5], [True]) is None
    s = summarise([0.9, 0.6, 0.4], [True, False, False])
    assert s["accuracy"] == pytest.approx(2 / 3, abs=1e-3) and s["auc"] == 1.0
    assert s["log_loss"] == pytest.approx((-math.log(0.9) - math.log(0.4) - math.log(0.6)) / 3, abs=1e-4)


def test_validation_rows_mix_the_answers_whatever_the_dataset_order() -> None:
    from rag_coach.tuning.train import spread_validation

    def row(i: int, task: str, target: str) -> dict[str, object]:
        return {"id": i, "task": task, "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": target}]}

    rows = [row(i, "check", "yes") for i in range(6)] + [row(6 + i, "check", "no") for i in range(3)] + [row(9, "hint", "a long hint")]
    picked = spread_validation(rows, 6)  # type: ignore[arg-type]
    targets = [r["messages"][-1]["content"] for r in picked]  # type: ignore[index]
    assert (targets.count("no"), targets.count("yes"), targets.count("a long hint")) == (3, 2, 1)
    assert len(picked) == 6 and len({r["id"] for r in picked}) == 6
    assert spread_validation(rows, 0) == [] and len(spread_validation(rows, 50)) == len(rows)  # type: ignore[arg-type]

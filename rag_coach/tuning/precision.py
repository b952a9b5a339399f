"""Training precision: bfloat16 autocast where this CPU multiplies bf16 faster than float32, else float32.

``auto`` decides from the CPU flags and a short probe. Without ``avx512_bf16`` or ``amx_bf16``
oneDNN emulates bf16 GEMMs through float32 conversions (slower than plain float32), so float32
is kept without probing. With one of them a 1024-cube matmul is timed in both dtypes
(:func:`rag_coach.evaluation.bench_matmul.bench_matmul`, well under a second) and bf16 is used when it
is at least :data:`MIN_SPEEDUP` faster. Measured here (AVX512-BF16, no AMX, 2 threads, 2048-cube):
129 vs 338 GFLOP/s, 2.6x. Under autocast the frozen weights stay float32 and matmuls run in bf16;
LoRA weights, optimizer state and the loss stay float32.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rag_coach.evaluation.bench_matmul import cpu_flags

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "bf16", "fp32")
MIN_SPEEDUP = 1.2


@dataclass(frozen=True)
class Precision:
    name: str  # "bf16" or "fp32"
    reason: str
    probe_ratio: float | None = None  # bf16/fp32 GFLOP/s of the probe, where one ran

    @property
    def autocast(self) -> bool:
        return self.name == "bf16"


def _probe(threads: int) -> float:
    from rag_coach.evaluation.bench_matmul import bench_matmul

    return float(bench_matmul(n=1024, runs=3, threads=threads)["bf16_over_fp32"])


def choose_precision(requested: str, device: str = "cpu", threads: int = 2, flags: dict[str, bool] | None = None,
                     probe: Callable[[int], float] | None = None) -> Precision:
    """The precision for ``requested`` (auto, bf16, fp32) on ``device``, with the reason (logged)."""
    if requested not in PRECISIONS:
        raise ValueError(f"precision {requested!r} is not one of {', '.join(PRECISIONS)}")
    if requested != "auto":
        choice = Precision(requested, f"--precision {requested}")
    elif device != "cpu":
        choice = Precision("bf16", f"{device}: bf16 autocast")
    else:
        flags = cpu_flags() if flags is None else flags
        if not (flags.get("avx512_bf16") or flags.get("amx_bf16")):
            choice = Precision("fp32", "CPU has neither avx512_bf16 nor amx_bf16: bf16 would be emulated, float32 kept")
        else:
            ratio = (probe or _probe)(threads)
            kind = "amx_bf16" if flags.get("amx_bf16") else "avx512_bf16"
            if ratio >= MIN_SPEEDUP:
                choice = Precision("bf16", f"{kind}: bf16 matmul probe {ratio:.2f}x float32", ratio)
            else:
                choice = Precision("fp32", f"{kind} but bf16 matmul probe only {ratio:.2f}x float32: float32 kept", ratio)
    log.info("training precision %s (%s)", choice.name, choice.reason)
    return choice


def autocast_context(precision: Precision, device: str = "cpu") -> Any:
    """``torch.autocast`` in bf16 for a bf16 precision, else a no-op context."""
    if not precision.autocast:
        return contextlib.nullcontext()
    import torch

    return torch.autocast(device_type="cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16)

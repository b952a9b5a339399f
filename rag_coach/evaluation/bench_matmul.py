"""`rag-coach bench matmul`: PyTorch float32 vs bfloat16 matrix multiply throughput on this CPU.

Decides whether bf16 autocast pays off for `tune train` here: oneDNN runs bf16 GEMMs on AMX tiles
where the CPU has them (``amx_bf16``), on AVX512-BF16 dot-product instructions where it has only
those, and otherwise converts to float32 (slower than float32 itself). Each dtype is timed on an
``n x n x n`` product (one warm-up, then ``runs`` timed repeats, interleaved so a change in
background load hits both); figures are medians in GFLOP/s (``2 n^3`` flops per product).
"""

from __future__ import annotations

import logging
import statistics
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CPU_FLAGS = ("amx_bf16", "amx_tile", "avx512_bf16", "avx512f", "avx2")


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, bool]:
    """Which of :data:`CPU_FLAGS` the first CPU reports (all False where /proc/cpuinfo is missing)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {flag: False for flag in CPU_FLAGS}
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    present = set(line.split(":", 1)[-1].split())
    return {flag: flag in present for flag in CPU_FLAGS}


def _gflops(dtype: Any, n: int, a: Any, b: Any) -> float:
    import torch

    x, y = a.to(dtype), b.to(dtype)
    start = time.perf_counter()
    torch.mm(x, y)
    return 2 * n**3 / (time.perf_counter() - start) / 1e9


def bench_matmul(n: int = 2048, runs: int = 5, threads: int = 2) -> dict[str, Any]:
    """Median GFLOP/s of float32 and bfloat16 ``torch.mm`` on ``n``-square matrices, and their ratio."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        generator = torch.Generator().manual_seed(0)
        a, b = torch.randn(n, n, generator=generator), torch.randn(n, n, generator=generator)
        dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16}
        samples: dict[str, list[float]] = {name: [] for name in dtypes}
        for dtype in dtypes.values():
            _gflops(dtype, n, a, b)  # warm-up: oneDNN kernel selection, page faults
        for _ in range(runs):
            for name, dtype in dtypes.items():
                samples[name].append(round(_gflops(dtype, n, a, b), 1))
    finally:
        torch.set_num_threads(previous)
    medians = {name: round(statistics.median(values), 1) for name, values in samples.items()}
    ratio = round(medians["bfloat16"] / medians["float32"], 2)
    flags = cpu_flags()
    text = (f"bench matmul: {n}x{n}x{n} torch.mm, {threads} threads, median of {runs} (torch {torch.__version__})\n"
            f"float32 {medians['float32']:.1f} GFLOP/s, bfloat16 {medians['bfloat16']:.1f} GFLOP/s, bf16/fp32 {ratio:.2f}x\n"
            f"CPU flags: {', '.join(f for f, on in flags.items() if on) or 'none of ' + ', '.join(CPU_FLAGS)}")
    log.info("matmul medians %s, ratio %.2f", medians, ratio)
    return {"n": n, "runs": runs, "threads": threads, "torch": torch.__version__, "cpu_flags": flags,
            "medians_gflops": medians, "samples_gflops": samples, "bf16_over_fp32": ratio, "text": text}

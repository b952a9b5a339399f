"""`rag-coach bench llm`: prefill and generation tokens/s of the embedded model, per load option.

Options compared: llama.cpp's extra buffer types on (weight repacking; AMX where compiled in) and off.
Each run loads the model afresh and times a 512-token prefill from an empty cache and 64 greedy
decoding steps with ``llamacpp.time_prefill_decode`` (the same code the start-up probe uses). Runs
of the options are interleaved so a change in background load hits both; figures are medians, and
the report gives the on/off ratio. An option whose child-process probe crashes is reported, not run.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from pathlib import Path
from typing import Any

from rag_coach.llm.llamacpp import has_amx_kernels, load_llama, system_info, time_prefill_decode
from rag_coach.llm.models import embedded_model_path
from rag_coach.llm.probe import run_probe
from rag_coach.settings import Settings

PROMPT_SENTENCE = (
    "A Bar Raiser is an experienced interviewer from outside the hiring team who keeps the hiring bar high, "
    "asks behavioral questions about the Leadership Principles and can block an offer. "
)
GENERATED_TOKENS = 64


def _one_run(path: Path, extra_buffers: bool, threads: int, prompt_tokens: int) -> dict[str, float]:
    started = time.perf_counter()
    llm = load_llama(path, extra_buffers=extra_buffers, n_ctx=2048, n_threads=threads, n_threads_batch=threads,
                     n_batch=512, verbose=False)
    load_s = time.perf_counter() - started
    prefill, gen, _ = time_prefill_decode(llm, PROMPT_SENTENCE, prompt_tokens, GENERATED_TOKENS)  # as the probe measures
    del llm
    gc.collect()
    return {"load_s": load_s, "prefill_tok_s": prefill, "gen_tok_s": gen}


def bench_llm(settings: Settings, runs: int = 5, prompt_tokens: int = 512) -> dict[str, Any]:
    path = embedded_model_path(settings)
    threads = settings.llm.threads or os.cpu_count() or 2
    options = {"extra buffers on": True, "extra buffers off": False}
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in options}
    skipped: dict[str, str] = {}
    for name, extra in options.items():
        probe = run_probe(path, extra_buffers=extra, threads=threads)
        if not probe.ok:
            skipped[name] = probe.detail
    for _ in range(runs):
        for name, extra in options.items():
            if name not in skipped:
                samples[name].append(_one_run(path, extra, threads, prompt_tokens))
    info = system_info()
    medians = {name: {k: round(statistics.median(r[k] for r in rows), 2) for k in rows[0]} for name, rows in samples.items() if rows}
    lines = [f"bench llm: {path.name}, {threads} threads, {prompt_tokens}-token prefill, {GENERATED_TOKENS} decoded tokens, "
             f"medians of {runs} interleaved runs; AMX kernels {'compiled in' if has_amx_kernels(info) else 'not compiled'}",
             "| option | prefill tok/s | generation tok/s | load s |", "|---|---|---|---|"]
    for name, m in medians.items():
        lines.append(f"| {name} | {m['prefill_tok_s']:.1f} | {m['gen_tok_s']:.1f} | {m['load_s']:.2f} |")
    for name, why in skipped.items():
        lines.append(f"| {name} | {why} | | |")
    if len(medians) == 2:
        on, off = medians["extra buffers on"], medians["extra buffers off"]
        lines.append(f"on/off: prefill {on['prefill_tok_s'] / off['prefill_tok_s']:.2f}x, generation {on['gen_tok_s'] / off['gen_tok_s']:.2f}x")
    return {"model": str(path), "threads": threads, "runs": runs, "prompt_tokens": prompt_tokens, "system_info": info,
            "medians": medians, "samples": samples, "skipped": skipped, "text": "\n".join(lines)}

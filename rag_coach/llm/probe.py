"""Start-up probe of the embedded model: load it and decode in a child process first, and measure.

A fault inside llama.cpp (SIGSEGV, SIGILL: e.g. ggml's AMX kernels on a virtual machine that
advertises AMX but faults at ``ldtilecfg``) kills the process that runs it. In a child process it
becomes a result, so the app and the CLI can say in one sentence what failed and what to do.

llama.cpp's *extra buffer types* (weight repacking; AMX where compiled in) change speed, and not in
one direction: on the 2-core AMD EPYC this project is measured on, they make generation 1.2x faster
and prompt evaluation 0.6x as fast (``rag-coach bench llm``). So ``extra_buffers: auto`` probes both
ways, each child timing a short prefill and decode, and keeps the one with the lower time for a
typical coaching turn (``TURN_PROMPT`` prompt tokens + ``TURN_COMPLETION`` generated) — extra buffers
only when they are at least 15 % faster, since a short probe on a busy CPU is noisy; a way that
crashes is never chosen. The choice is remembered per (library build, model file, mode) in
``data_dir/probes.json``: it costs a few seconds once, not at every start.

Run by hand: ``python -m rag_coach.llm.probe MODEL.gguf [--extra-buffers on|off]`` (JSON on stdout).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from rag_coach.llm.base import LLMError

log = logging.getLogger(__name__)

ExtraBuffers = Literal["auto", "on", "off"]
PROBE_PROMPT = "A Bar Raiser is an interviewer from outside the hiring team who keeps the bar high. " * 12
PREFILL_TOKENS, DECODE_TOKENS = 192, 12
TURN_PROMPT, TURN_COMPLETION = 600, 60  # a coaching turn or a grading call is mostly prompt evaluation
PREFER_OFF_MARGIN = 0.85  # extra buffers are chosen only when they make a turn at least 15 % faster


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    extra_buffers: bool
    detail: str  # "decoded 12 tokens ..." or what went wrong, e.g. "crashed with SIGSEGV (segmentation fault)"
    seconds: float
    system_info: str = ""
    prefill_tok_s: float = 0.0
    gen_tok_s: float = 0.0

    def turn_seconds(self) -> float:
        """Estimated time of a typical turn with this way of loading (inf when unknown)."""
        if not (self.prefill_tok_s > 0 and self.gen_tok_s > 0):
            return float("inf")
        return TURN_PROMPT / self.prefill_tok_s + TURN_COMPLETION / self.gen_tok_s


@dataclass(frozen=True)
class ProbeDecision:
    extra_buffers: bool
    results: list[ProbeResult] = field(default_factory=list)


def _signal_text(returncode: int) -> str:
    try:
        sig = signal.Signals(-returncode)
        return f"crashed with {sig.name} ({(signal.strsignal(sig) or 'signal').lower()})"
    except ValueError:
        return f"was killed by signal {-returncode}"


def probe_command(model_path: Path, extra_buffers: bool, threads: int | None) -> list[str]:
    cmd = [sys.executable, "-X", "faulthandler", "-m", "rag_coach.llm.probe", str(model_path),
           "--extra-buffers", "on" if extra_buffers else "off"]
    return cmd + (["--threads", str(threads)] if threads else [])


def run_probe(model_path: Path, *, extra_buffers: bool, threads: int | None = None, timeout_s: float = 300.0) -> ProbeResult:
    """Load ``model_path``, prefill and decode in a child Python process; never raises for a crash."""
    cmd = probe_command(model_path, extra_buffers, threads)
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return ProbeResult(False, extra_buffers, f"did not finish within {timeout_s:.0f} s", time.perf_counter() - start)
    seconds = time.perf_counter() - start
    if proc.returncode < 0:
        log.debug("probe stderr: %s", proc.stderr[-2000:])
        return ProbeResult(False, extra_buffers, _signal_text(proc.returncode), seconds)
    try:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return ProbeResult(False, extra_buffers, f"failed ({tail[:200]})", seconds)
    return ProbeResult(bool(report.get("ok")), extra_buffers, str(report.get("detail", "")), seconds,
                       str(report.get("system_info", "")), float(report.get("prefill_tok_s", 0.0)),
                       float(report.get("gen_tok_s", 0.0)))


def failure_message(model_path: Path, results: list[ProbeResult]) -> str:
    tried = "; ".join(f"extra buffers {'on' if r.extra_buffers else 'off'}: {r.detail}" for r in results)
    return (f"the local model failed to run on this machine (llama.cpp with {model_path.name}: {tried}); "
            "rebuild it with `rm -rf ~/.cache/rag_coach/wheels .venv/.llama-*` then `scripts/setup.sh`, "
            "set RAG_COACH_LLM__EXTRA_BUFFERS=off, or use --backend ollama")


class ProbeCache:
    """Decisions by key in one small JSON file; a run where nothing worked is never stored (it is re-tried)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def _read(self) -> dict[str, dict]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def get(self, key: str) -> ProbeDecision | None:
        row = self._read().get(key)
        try:
            return ProbeDecision(bool(row["extra_buffers"]), [ProbeResult(**r) for r in row["results"]]) if row else None
        except (KeyError, TypeError):
            return None

    def put(self, key: str, decision: ProbeDecision) -> None:
        if self.path is None:
            return
        data = self._read()
        data[key] = asdict(decision)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            tmp.replace(self.path)
        except OSError as exc:  # the probe simply runs again next time
            log.warning("could not record the model probe in %s: %s", self.path, exc)


def probe_key(model_path: Path, mode: ExtraBuffers) -> str:
    from rag_coach.llm.llamacpp import library_fingerprint

    stat = model_path.stat()
    return f"{library_fingerprint()}|{model_path.resolve()}:{stat.st_size}:{int(stat.st_mtime)}|{mode}"


def decide(model_path: Path, mode: ExtraBuffers, *, cache: ProbeCache, threads: int | None = None,
           use_cached: bool = True) -> ProbeDecision | list[ProbeResult]:
    """Probe the ways ``mode`` allows (``auto``: without, then with extra buffers) and pick the faster one
    that works; a list of the failed results when none works."""
    key = probe_key(model_path, mode)
    cached = cache.get(key) if use_cached else None
    if cached is not None:
        return cached
    order = {"auto": [False, True], "on": [True], "off": [False]}[mode]
    results = []
    for extra in order:
        log.info("checking that llama.cpp runs %s (extra buffers %s) in a child process", model_path.name, "on" if extra else "off")
        results.append(run_probe(model_path, extra_buffers=extra, threads=threads))
    passed = [r for r in results if r.ok]
    if not passed:
        return results
    off = next((r for r in passed if not r.extra_buffers), None)
    best = min(passed, key=lambda r: (r.turn_seconds(), r.extra_buffers))
    if off is not None and best.turn_seconds() > PREFER_OFF_MARGIN * off.turn_seconds():
        best = off  # within the noise of a short probe on a busy CPU: keep the simpler, safer way
    for failed in (r for r in results if not r.ok):
        log.warning("llama.cpp %s with extra buffers %s; running %s with them %s", failed.detail,
                    "on" if failed.extra_buffers else "off", model_path.name, "on" if best.extra_buffers else "off")
    decision = ProbeDecision(best.extra_buffers, results)
    cache.put(key, decision)
    return decision


def choose_extra_buffers(model_path: Path, mode: ExtraBuffers, *, cache: ProbeCache, threads: int | None = None) -> bool:
    """Whether to load with extra buffer types (probed, cached); raise LLMError when no way works."""
    decision = decide(model_path, mode, cache=cache, threads=threads)
    if isinstance(decision, list):
        raise LLMError(failure_message(model_path, decision))
    return decision.extra_buffers


def _child(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="load a GGUF with llama.cpp, time a short prefill and decode")
    parser.add_argument("model", type=Path)
    parser.add_argument("--extra-buffers", choices=["on", "off"], default="on")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    from rag_coach.llm.llamacpp import load_llama, system_info, time_prefill_decode

    start = time.perf_counter()
    try:
        llm = load_llama(args.model, extra_buffers=args.extra_buffers == "on", n_ctx=512, n_threads=args.threads,
                         n_threads_batch=args.threads, verbose=False)
        prefill, gen, decoded = time_prefill_decode(llm, PROBE_PROMPT, PREFILL_TOKENS, DECODE_TOKENS)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as a failed probe
        print(json.dumps({"ok": False, "detail": f"failed ({type(exc).__name__}: {exc})"[:300]}))
        return 1
    print(json.dumps({"ok": decoded > 0, "detail": f"decoded {decoded} tokens in {time.perf_counter() - start:.1f} s",
                      "system_info": system_info(), "prefill_tok_s": round(prefill, 1), "gen_tok_s": round(gen, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(_child())

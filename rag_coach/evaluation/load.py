"""`rag-coach bench load`: many simulated candidates against the running app, through its Gradio API.

1. Start the app on loopback in a child process (or use ``--url``), wait until it answers, warm it up
   with one retrieval and one chat turn.
2. Retrieval phase: ``users`` candidates, each with its own Gradio session, call the retrieval-only
   ``/sources`` endpoint back to back for ``seconds``.
3. Chat phase: ``chat`` candidates start a full chat turn (``/ask``, streamed) at the same time while
   one probe keeps calling ``/sources``: the model answers one turn at a time, retrieval must not wait.

Reported: requests, throughput and p50/p95 latency per kind, errors (must be 0), and the app
process' resident memory sampled every half second. Memory must stay flat once the load has ramped up:
the first quarter of the retrieval phase fills the worker threads, allocator arenas and caches (about
100 MB with 20 candidates); from then to the end, growth must stay within ``max_growth_mb`` (or 5 %).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from rag_coach.evaluation.bench_chat import fixed_questions
from rag_coach.evaluation.load_stats import RssSampler, Samples
from rag_coach.settings import Settings

log = logging.getLogger(__name__)

ERROR_MARK = "**Error:**"


@dataclass
class LoadOptions:
    users: int = 20
    seconds: float = 60.0
    chat: int = 4
    url: str | None = None  # an app that is already running; default: start one
    pid: int | None = None  # the running app's process id, for its memory
    startup_timeout_s: float = 900.0
    max_growth_mb: float = 64.0  # "flat": RSS growth after the ramp-up at most this (or 5 % of the start)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, timeout_s: float, proc: subprocess.Popen | None = None, log_file: Path | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log_file.read_text(errors="replace")[-2000:] if log_file else ""
            raise RuntimeError(f"the app exited with code {proc.returncode} before answering:\n{tail}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the app at {url} did not answer within {timeout_s:.0f} s")


@contextmanager
def serve(settings: Settings, timeout_s: float) -> Iterator[tuple[str, int]]:
    """The app in a child process on a free loopback port; yields (url, pid)."""
    port = _free_port()
    app = settings.app.model_copy(update={"host": "127.0.0.1", "port": port, "auth": None})
    with tempfile.TemporaryDirectory(prefix="rag_coach_load_") as tmp:
        config, log_file = Path(tmp) / "settings.json", Path(tmp) / "app.log"
        config.write_text(settings.model_copy(update={"app": app}).model_dump_json(), encoding="utf-8")
        with log_file.open("w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "rag_coach.evaluation.load", "--serve", str(config)],
                                    stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url, timeout_s, proc, log_file)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False)


def _sources_call(client: Any, q: dict[str, Any], samples: Samples) -> None:
    started = time.perf_counter()
    try:
        hits = client.predict(q["question"], q["company"], q["round"], api_name="/sources")
    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
        samples.add(None, f"{type(exc).__name__}: {exc}"[:200])
        return
    if not isinstance(hits, list):
        samples.add(None, f"unexpected /sources result {type(hits).__name__}")
        return
    samples.add((time.perf_counter() - started) * 1000)


def _retrieval_loop(client: Any, questions: list[dict[str, Any]], offset: int, until: Callable[[], bool], samples: Samples,
                    pause_s: float = 0.0) -> None:
    """Back to back (a candidate under load), or one call per ``pause_s`` (a probe that must not add load)."""
    i = offset
    while not until():
        _sources_call(client, questions[i % len(questions)], samples)
        i += 1
        time.sleep(pause_s)


def message_text(history: list[dict[str, Any]]) -> str:
    """The last chat message's text (Gradio sends content as a string or a list of typed parts)."""
    content = history[-1].get("content") if history else ""
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content or "")


def chat_turn(client: Any, q: dict[str, Any], kinds: dict[str, Samples]) -> None:
    """One streamed /ask turn: time to sources shown, to the first answer text, and to the end."""
    started = time.perf_counter()
    ms = lambda: (time.perf_counter() - started) * 1000  # noqa: E731
    seen_sources = seen_text = False
    try:
        job = client.submit(q["question"], [], q["company"], q["round"], api_name="/ask")
        for history, sources, _ in job:
            if not seen_sources and "Searching the corpus" not in str(sources):
                seen_sources = True
                kinds["chat_sources"].add(ms())
            answer = message_text(history)
            if not seen_text and answer.strip() not in ("", "…"):
                seen_text = True
                kinds["chat_first_text"].add(ms())
        history, _, _ = job.result()
    except Exception as exc:  # noqa: BLE001 - counted and reported
        kinds["chat"].add(None, f"{type(exc).__name__}: {exc}"[:200])
        return
    answer = message_text(history)
    if ERROR_MARK in answer or not answer.strip():
        kinds["chat"].add(None, f"chat answer is an error: {answer[:160]}")
    else:
        kinds["chat"].add(ms())


def _parallel(targets: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def drive(url: str, pid: int | None, options: LoadOptions) -> dict[str, Any]:
    """Run the warm-up and both phases against the app at ``url``; return the report."""
    questions = fixed_questions(20)
    kinds = {k: Samples() for k in ("warm_up", "retrieval", "retrieval_during_chat", "chat", "chat_sources", "chat_first_text")}
    with RssSampler(pid) as rss:
        rss.mark("before_warm_up")
        warm = _client(url)
        _sources_call(warm, questions[0], kinds["warm_up"])
        chat_turn(warm, questions[0], {"chat": kinds["warm_up"], "chat_sources": Samples(), "chat_first_text": Samples()})
        rss.mark("start")
        clients: list[Any] = [None] * max(options.users, options.chat + 1)

        def connect(i: int) -> None:
            clients[i] = _client(url)

        _parallel([lambda i=i: connect(i) for i in range(len(clients))])
        deadline = time.monotonic() + options.seconds
        for quarter in (1, 2, 3):  # is growth levelling off?
            threading.Timer(options.seconds * quarter / 4, rss.mark, args=(f"retrieval_{quarter}_4",)).start()
        started = time.perf_counter()
        _parallel([lambda i=i: _retrieval_loop(clients[i], questions, i, lambda: time.monotonic() > deadline, kinds["retrieval"])
                   for i in range(options.users)])
        retrieval_s = time.perf_counter() - started
        rss.mark("after_retrieval")
        done = threading.Event()
        probe = threading.Thread(target=_retrieval_loop, args=(clients[options.chat], questions, 7, done.is_set,
                                                                 kinds["retrieval_during_chat"], 1.0), daemon=True)
        started = time.perf_counter()
        probe.start()
        _parallel([lambda i=i: chat_turn(clients[i], questions[(i + 1) % len(questions)], kinds) for i in range(options.chat)])
        chat_s = time.perf_counter() - started
        done.set()
        probe.join()
        rss.mark("end")
        samples = list(rss.samples)
    return build_report(options, kinds, retrieval_s, chat_s, rss.marks, samples)


def build_report(options: LoadOptions, kinds: dict[str, Samples], retrieval_s: float, chat_s: float,
                 marks: dict[str, float | None], samples: list[float]) -> dict[str, Any]:
    start, end = marks.get("start"), marks.get("end")
    memory: dict[str, Any] = {k: (round(v, 1) if v is not None else None) for k, v in marks.items()}  # RSS at each mark
    memory["max"] = round(max(samples), 1) if samples else None
    memory["samples"] = len(samples)
    flat = None
    if start is not None and end is not None:
        ramped = marks.get("retrieval_1_4") or start
        memory["growth"] = round(end - start, 1)
        memory["growth_after_ramp_up"] = round(end - ramped, 1)
        flat = end - ramped <= max(options.max_growth_mb, 0.05 * start)
    errors = sum(len(kinds[k].errors) for k in ("warm_up", "retrieval", "retrieval_during_chat", "chat"))
    report: dict[str, Any] = {
        "users": options.users,
        "seconds": round(retrieval_s, 1),
        "chat_turns": options.chat,
        "chat_phase_s": round(chat_s, 1),
        "retrieval": kinds["retrieval"].summary(retrieval_s),
        "retrieval_during_chat": kinds["retrieval_during_chat"].summary(chat_s),
        "chat_sources_shown": kinds["chat_sources"].summary(),
        "chat_first_text": kinds["chat_first_text"].summary(),
        "chat_total": kinds["chat"].summary(chat_s),
        "warm_up": kinds["warm_up"].summary(),
        "rss_mb": memory,
        "errors": errors,
        "memory_flat": flat,
        "ok": errors == 0 and flat is not False,
    }
    report["text"] = format_load(report)
    return report


def _line(name: str, s: dict[str, Any]) -> str:
    rate = f"{s['per_s']:>7}/s" if "per_s" in s else " " * 9
    return (f"{name:<28}{s['requests']:>6} req {rate}  p50 {s.get('p50_ms', '-'):>8} ms  p95 {s.get('p95_ms', '-'):>8} ms"
            f"  errors {s['errors']}" + (f"  ({'; '.join(s['first_errors'])})" if s.get("first_errors") else ""))


def format_load(r: dict[str, Any]) -> str:
    m = r["rss_mb"]
    verdict = {True: "flat", False: "GROWING", None: "not measured"}[r["memory_flat"]]
    return "\n".join([
        f"{r['users']} candidates, retrieval only, {r['seconds']} s; then {r['chat_turns']} concurrent chat turns ({r['chat_phase_s']} s)",
        _line("retrieval (/sources)", r["retrieval"]),
        _line("retrieval during chat", r["retrieval_during_chat"]),
        _line("chat: sources shown", r["chat_sources_shown"]),
        _line("chat: first answer text", r["chat_first_text"]),
        _line("chat: whole turn", r["chat_total"]),
        f"app memory (RSS, MB): before warm-up {m.get('before_warm_up')}, start {m.get('start')}, retrieval 1/4 2/4 3/4 "
        f"{m.get('retrieval_1_4')} {m.get('retrieval_2_4')} {m.get('retrieval_3_4')}, after retrieval {m.get('after_retrieval')}, "
        f"end {m.get('end')}, max {m.get('max')} ({m.get('samples')} samples); growth {m.get('growth')} MB, after ramp-up (1/4 -> end) "
        f"{m.get('growth_after_ramp_up')} MB: {verdict}",
        f"errors: {r['errors']}  -> {'OK' if r['ok'] else 'FAILED'}",
    ])


def run_load(settings: Settings, options: LoadOptions) -> dict[str, Any]:
    """Start the app (unless ``options.url``), drive it, stop it; return the report."""
    if options.url:
        return drive(options.url.rstrip("/"), options.pid, options)
    with serve(settings, options.startup_timeout_s) as (url, pid):
        log.info("app started at %s (pid %d)", url, pid)
        return drive(url, pid, options)


def _serve_main(config: str) -> None:
    """Child process entry: launch the app with the settings the parent wrote."""
    from rag_coach.ui.app import launch

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    launch(Settings.model_validate_json(Path(config).read_text(encoding="utf-8")))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        _serve_main(sys.argv[2])
    else:
        sys.exit("usage: python -m rag_coach.evaluation.load --serve SETTINGS.json (use `rag-coach bench load`)")

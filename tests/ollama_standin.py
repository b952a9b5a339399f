"""FakeOllamaServer: a stand-in Ollama speaking the real HTTP/NDJSON wire protocol (plumbing tests only).

In a thread (:class:`FakeOllamaServer`) for protocol tests, or in its own process
(:class:`FakeOllamaProcess`) so a test can have it killed in the middle of a streamed answer, like a
crashed server, and start it again on the same port. Standard library only, so the process starts fast.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MODEL = "qwen2.5:1.5b"


@dataclass
class Recorded:
    method: str
    path: str
    body: Any  # parsed JSON, raw bytes for blobs, None without a body


@dataclass
class FakeOllamaServer:
    """A stand-in Ollama on 127.0.0.1:``port`` (0: ephemeral). Streams NDJSON with chunked encoding like the real server.

    ``mode`` scripts /api/chat: "ok", "length" (done_reason length), "close" (drop the connection
    mid-stream), "error" (an ``{"error": ...}`` line mid-stream). ``die_on_chat=N``: the N-th chat
    request kills this whole process with SIGKILL after its first piece (use it in a subprocess).
    ``record``: also append every chat request body to this JSONL file (readable from another process).
    A request with ``"stream": false`` gets one JSON reply (the pieces joined), with the first token's
    ``logprobs`` when asked: ``yes_logprobs`` scripts its top alternatives as {token: probability}.
    """

    models: list[str] = field(default_factory=lambda: [MODEL, "llama3.2:latest"])
    pieces: list[str] = field(default_factory=lambda: ["Hel", "lo", ", world"])
    mode: str = "ok"
    port: int = 0
    delay_s: float = 0.0  # between pieces
    die_on_chat: int | None = None
    record: Path | None = None
    requests: list[Recorded] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)
    yes_logprobs: dict[str, float] = field(default_factory=lambda: {"yes": 0.7, "Yes": 0.1, "no": 0.2})

    def __post_init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def find(self, path: str, method: str = "POST") -> list[Recorded]:
        return [r for r in self.requests if r.path == path and r.method == method]


def _handler(fake: FakeOllamaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                out = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _json(self, status: int, obj: Any) -> None:
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _start_stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

        def _line(self, obj: Any) -> None:
            data = json.dumps(obj).encode() + b"\n"
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _end_stream(self) -> None:
            self.wfile.write(b"0\r\n\r\n")

        def do_HEAD(self) -> None:
            fake.requests.append(Recorded("HEAD", self.path, None))
            digest = self.path.rsplit("/", 1)[-1]
            self.send_response(200 if digest in fake.blobs else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            fake.requests.append(Recorded("GET", self.path, None))
            if self.path != "/api/tags":
                return self._json(404, {"error": "not found"})
            models = [
                {"name": m, "model": m, "modified_at": "2025-01-01T00:00:00Z", "size": 1000,
                 "digest": "ab" * 32, "details": {"format": "gguf", "family": "qwen2"}}
                for m in fake.models
            ]
            self._json(200, {"models": models})

        def do_POST(self) -> None:
            raw = self._body()
            if self.path.startswith("/api/blobs/"):
                fake.requests.append(Recorded("POST", self.path, raw))
                digest = self.path.rsplit("/", 1)[-1]
                if digest != "sha256:" + hashlib.sha256(raw).hexdigest():
                    return self._json(400, {"error": "digest mismatch"})
                fake.blobs[digest] = raw
                self.send_response(201)
                self.send_header("Content-Length", "0")
                return self.end_headers()
            body = json.loads(raw or b"{}")
            fake.requests.append(Recorded("POST", self.path, body))
            if self.path == "/api/chat":
                return self._chat(body)
            if self.path == "/api/create":
                return self._create(body)
            self._json(404, {"error": "not found"})

        def _chat(self, body: dict[str, Any]) -> None:
            if fake.record is not None:
                with fake.record.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(body) + "\n")
            if body["model"] not in fake.models:
                return self._json(404, {"error": f"model '{body['model']}' not found"})
            base = {"model": body["model"], "created_at": "2025-01-01T00:00:00Z"}
            if body.get("stream") is False:
                return self._json(200, self._whole_reply(body, base))
            self._start_stream()
            dies = fake.die_on_chat is not None and len(fake.find("/api/chat")) == fake.die_on_chat
            for i, piece in enumerate(fake.pieces):
                self._line({**base, "message": {"role": "assistant", "content": piece}, "done": False})
                if i == 0 and dies:
                    os.kill(os.getpid(), signal.SIGKILL)  # the server process dies mid-answer
                if i == 0 and fake.mode == "close":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if i == 0 and fake.mode == "error":
                    self._line({"error": "llama runner process has terminated"})
                    return self._end_stream()
                time.sleep(fake.delay_s)
            self._line({**base, "message": {"role": "assistant", "content": ""}, "done": True,
                        "done_reason": "length" if fake.mode == "length" else "stop",
                        "total_duration": 1000, "load_duration": 10, "prompt_eval_count": 42,
                        "prompt_eval_duration": 100, "eval_count": len(fake.pieces), "eval_duration": 200})
            self._end_stream()

        def _whole_reply(self, body: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
            limit = (body.get("options") or {}).get("num_predict")
            pieces = fake.pieces[:limit] if limit else fake.pieces
            reply = {**base, "message": {"role": "assistant", "content": "".join(pieces)}, "done": True,
                     "done_reason": "length" if limit and limit < len(fake.pieces) else "stop", "prompt_eval_count": 42,
                     "eval_count": len(pieces)}
            if body.get("logprobs") and fake.yes_logprobs:  # an Ollama before 0.12 sends none
                top = [{"token": t, "logprob": math.log(p)} for t, p in fake.yes_logprobs.items()]
                reply["logprobs"] = [{**top[0], "top_logprobs": top[: body.get("top_logprobs") or 1]}]
            return reply

        def _create(self, body: dict[str, Any]) -> None:
            if body.get("from") not in fake.models:
                return self._json(404, {"error": f"model '{body.get('from')}' not found"})
            missing = [d for d in (body.get("adapters") or {}).values() if d not in fake.blobs]
            if missing:
                return self._json(400, {"error": f"blob {missing[0]} not found"})
            self._start_stream()
            for status in ("using existing layer", "creating new layer", "writing manifest", "success"):
                self._line({"status": status})
            self._end_stream()
            fake.models.append(body["model"])

    return Handler


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeOllamaProcess:
    """FakeOllamaServer in a child process on a fixed port; ``start()`` again after it died or stopped."""

    def __init__(self, port: int | None = None, record: Path | None = None, delay_s: float = 0.0) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.record = record
        self.delay_s = delay_s
        self.proc: subprocess.Popen[str] | None = None

    def start(self, die_on_chat: int | None = None) -> FakeOllamaProcess:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--port", str(self.port), "--delay", str(self.delay_s)]
        if die_on_chat is not None:
            cmd += ["--die-on-chat", str(die_on_chat)]
        if self.record is not None:
            cmd += ["--record", str(self.record)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # printed once the port is bound
        if not line.startswith("ready"):
            raise RuntimeError(f"stand-in did not start (exit {self.proc.wait(10)})")
        return self

    def wait_dead(self, timeout: float = 30) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def chats(self) -> list[dict[str, Any]]:
        if self.record is None or not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description="stand-in Ollama server (tests only)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--die-on-chat", type=int)
    parser.add_argument("--record", type=Path)
    args = parser.parse_args()
    fake = FakeOllamaServer(port=args.port, delay_s=args.delay, die_on_chat=args.die_on_chat, record=args.record)
    sys.stdout.write(f"ready {fake.url}\n")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    fake.thread.join()


if __name__ == "__main__":
    main()

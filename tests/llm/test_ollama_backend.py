"""OllamaBackend against FakeOllamaServer: a stand-in Ollama speaking the real HTTP/NDJSON wire protocol."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rag_coach.llm.base import ChatBackend, LLMError, Usage
from rag_coach.llm.ollama_backend import OllamaBackend, resolve_host, tuned_model_name
from rag_coach.settings import LLMSettings, Settings

MODEL = "qwen2.5:1.5b"


@dataclass
class Recorded:
    method: str
    path: str
    body: Any  # parsed JSON, raw bytes for blobs, None without a body


@dataclass
class FakeOllamaServer:
    """A stand-in Ollama on 127.0.0.1:<ephemeral>. Streams NDJSON with chunked encoding like the real server.

    ``mode`` scripts /api/chat: "ok", "length" (done_reason length), "close" (drop the connection
    mid-stream), "error" (an ``{"error": ...}`` line mid-stream).
    """

    models: list[str] = field(default_factory=lambda: [MODEL, "llama3.2:latest"])
    pieces: list[str] = field(default_factory=lambda: ["Hel", "lo", ", world"])
    mode: str = "ok"
    requests: list[Recorded] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        fake = self

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
                if body["model"] not in fake.models:
                    return self._json(404, {"error": f"model '{body['model']}' not found"})
                self._start_stream()
                base = {"model": body["model"], "created_at": "2025-01-01T00:00:00Z"}
                for i, piece in enumerate(fake.pieces):
                    self._line({**base, "message": {"role": "assistant", "content": piece}, "done": False})
                    if i == 0 and fake.mode == "close":
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if i == 0 and fake.mode == "error":
                        self._line({"error": "llama runner process has terminated"})
                        return self._end_stream()
                self._line({**base, "message": {"role": "assistant", "content": ""}, "done": True,
                            "done_reason": "length" if fake.mode == "length" else "stop",
                            "total_duration": 1000, "load_duration": 10, "prompt_eval_count": 42,
                            "prompt_eval_duration": 100, "eval_count": len(fake.pieces), "eval_duration": 200})
                self._end_stream()

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

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def find(self, path: str, method: str = "POST") -> list[Recorded]:
        return [r for r in self.requests if r.path == path and r.method == method]


@pytest.fixture
def server() -> Iterator[FakeOllamaServer]:
    fake = FakeOllamaServer()
    yield fake
    fake.close()


def make_settings(host: str | None, model: str = MODEL, **llm: Any) -> Settings:
    return Settings(llm=LLMSettings(backend="ollama", ollama_host=host, ollama_model=model, **{"timeout_s": 5, **llm}))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]


def test_streams_pieces_in_order_and_fills_usage(server: FakeOllamaServer) -> None:
    backend = OllamaBackend(make_settings(server.url, seed=7, context_tokens=2048))
    assert isinstance(backend, ChatBackend)
    usage = Usage()
    pieces = list(backend.stream_chat(MESSAGES, max_tokens=64, temperature=0.5, usage=usage))
    assert pieces == ["Hel", "lo", ", world"]
    assert (usage.prompt_tokens, usage.completion_tokens, usage.truncated) == (42, 3, False)
    (req,) = server.find("/api/chat")
    body = req.body
    assert body["model"] == MODEL and body["stream"] is True
    assert body["messages"] == MESSAGES
    assert body["options"]["num_predict"] == 64 and body["options"]["temperature"] == 0.5
    assert body["options"]["seed"] == 7 and body["options"]["num_ctx"] == 2048
    assert "format" not in body or body["format"] in (None, "")
    assert len(server.find("/api/tags", "GET")) == 1  # lazy check ran once before the first request
    list(backend.stream_chat(MESSAGES))
    assert len(server.find("/api/tags", "GET")) == 1


def test_json_schema_is_sent_as_format_and_length_marks_truncated(server: FakeOllamaServer) -> None:
    server.mode = "length"
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    usage = Usage()
    text = "".join(OllamaBackend(make_settings(server.url)).stream_chat(MESSAGES, json_schema=schema, usage=usage))
    assert text == "Hello, world"
    assert server.find("/api/chat")[0].body["format"] == schema
    assert usage.truncated is True


@pytest.mark.parametrize("model", [MODEL, "llama3.2", "llama3.2:latest"])
def test_check_passes_for_present_model(server: FakeOllamaServer, model: str) -> None:
    OllamaBackend(make_settings(server.url, model=model)).check()


@pytest.mark.parametrize("model", ["qwen2.5:7b", "qwen2.5", "mistral"])
def test_check_missing_model_says_ollama_pull(server: FakeOllamaServer, model: str) -> None:
    with pytest.raises(LLMError) as err:
        OllamaBackend(make_settings(server.url, model=model)).check()
    message = str(err.value)
    assert message == f"Ollama has no model '{model}': run `ollama pull {model}`."
    assert "\n" not in message and "Traceback" not in message


def test_model_missing_at_chat_time_is_llm_error(server: FakeOllamaServer) -> None:
    backend = OllamaBackend(make_settings(server.url))
    backend.check()
    server.models.remove(MODEL)  # e.g. deleted after the check
    with pytest.raises(LLMError, match="ollama pull"):
        list(backend.stream_chat(MESSAGES))


def test_unreachable_server_is_one_quick_sentence() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    backend = OllamaBackend(make_settings(url, timeout_s=2))
    start = time.monotonic()
    with pytest.raises(LLMError) as err:
        backend.check()
    with pytest.raises(LLMError) as err2:
        list(backend.stream_chat(MESSAGES))
    assert time.monotonic() - start < 5
    for e in (err, err2):
        message = str(e.value)
        assert message.startswith(f"Cannot reach Ollama at {url}: start it with `ollama serve`")
        assert "--backend embedded" in message and "Traceback" not in message and "\n" not in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "http://127.0.0.1:11434"),
        ("", "http://127.0.0.1:11434"),
        ("127.0.0.1:11434", "http://127.0.0.1:11434"),
        ("0.0.0.0", "http://127.0.0.1:11434"),
        ("0.0.0.0:9999", "http://127.0.0.1:9999"),
        ("localhost", "http://localhost:11434"),
        (":5000", "http://127.0.0.1:5000"),
        ("http://gpu-box:8080", "http://gpu-box:8080"),
        ("https://ollama.example.com", "https://ollama.example.com:443"),
        ("http://host:1234/", "http://host:1234"),
    ],
)
def test_ollama_host_env_parsing(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str) -> None:
    if value is None:
        monkeypatch.delenv("OLLAMA_HOST", raising=False)
    else:
        monkeypatch.setenv("OLLAMA_HOST", value)
    assert resolve_host(None) == expected


def test_settings_host_wins_over_env_and_env_is_used(server: FakeOllamaServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", server.url.removeprefix("http://"))
    backend = OllamaBackend(make_settings(None))
    assert backend.host == server.url
    backend.check()
    assert OllamaBackend(make_settings("10.1.2.3:1")).host == "http://10.1.2.3:1"


def test_info_and_token_estimate(server: FakeOllamaServer) -> None:
    backend = OllamaBackend(make_settings(server.url, context_tokens=8192))
    assert backend.info.backend == "ollama" and backend.info.model == MODEL
    assert backend.info.adapter is None and backend.info.context_tokens == 8192
    assert backend.count_tokens("") == 0 and backend.count_tokens("abcde") == 2 and backend.count_tokens("abcd") == 1


@pytest.fixture
def adapter(tmp_path: Path) -> Path:
    path = tmp_path / "coach-lora.gguf"
    path.write_bytes(b"GGUF" + bytes(range(256)) * 10)
    return path


def test_tuned_model_name_is_deterministic(adapter: Path) -> None:
    name = tuned_model_name("qwen2.5-coder:1.5b-instruct", adapter)
    digest = hashlib.sha256(adapter.read_bytes()).hexdigest()[:8]
    assert name == f"rag-coach-qwen2.5-coder-1.5b-instruct-{digest}"
    assert tuned_model_name("qwen2.5-coder:1.5b-instruct", str(adapter)) == name


def test_create_adapter_model_uploads_blob_then_creates(server: FakeOllamaServer, adapter: Path) -> None:
    backend = OllamaBackend(make_settings(server.url))
    name, modelfile = backend.create_adapter_model(MODEL, adapter)
    digest = "sha256:" + hashlib.sha256(adapter.read_bytes()).hexdigest()
    assert name == tuned_model_name(MODEL, adapter)
    assert modelfile == f"FROM {MODEL}\nADAPTER {adapter.resolve()}\n"
    (blob,) = server.find(f"/api/blobs/{digest}")
    assert blob.body == adapter.read_bytes()
    (create,) = server.find("/api/create")
    assert create.body["model"] == name and create.body["from"] == MODEL
    assert create.body["adapters"] == {adapter.name: digest}
    assert server.requests.index(blob) < server.requests.index(create)

    # The slot then uses the tuned model.
    tuned = OllamaBackend(make_settings(server.url, adapter=adapter))
    assert tuned.info.model == name and tuned.info.adapter == str(adapter.resolve())
    assert "".join(tuned.stream_chat(MESSAGES)) == "Hello, world"
    assert server.find("/api/chat")[-1].body["model"] == name


def test_adapter_slot_without_created_model_says_what_to_run(server: FakeOllamaServer, adapter: Path) -> None:
    with pytest.raises(LLMError, match="adapter-create"):
        OllamaBackend(make_settings(server.url, adapter=adapter)).check()


def test_create_adapter_model_failures_are_llm_errors(server: FakeOllamaServer, adapter: Path, tmp_path: Path) -> None:
    backend = OllamaBackend(make_settings(server.url))
    with pytest.raises(LLMError, match="ollama pull mistral"):
        backend.create_adapter_model("mistral", adapter)
    with pytest.raises(LLMError, match="does not exist"):
        backend.create_adapter_model(MODEL, tmp_path / "missing.gguf")
    down = OllamaBackend(make_settings(f"127.0.0.1:{closed_port()}"))
    with pytest.raises(LLMError, match="Cannot reach Ollama"):
        down.create_adapter_model(MODEL, adapter)


@pytest.mark.parametrize("mode", ["close", "error"])
def test_error_mid_stream_becomes_llm_error(server: FakeOllamaServer, mode: str) -> None:
    server.mode = mode
    got: list[str] = []
    with pytest.raises(LLMError) as err:
        for piece in OllamaBackend(make_settings(server.url)).stream_chat(MESSAGES):
            got.append(piece)
    assert got == ["Hel"]
    assert "\n" not in str(err.value)
    if mode == "error":
        assert "llama runner process has terminated" in str(err.value)

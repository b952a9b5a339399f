"""OllamaBackend against FakeOllamaServer (tests/ollama_standin.py): a stand-in Ollama speaking the real wire protocol."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag_coach.llm.base import ChatBackend, LLMError, Usage
from rag_coach.llm.ollama_backend import OllamaBackend, resolve_host, tuned_model_name
from rag_coach.settings import LLMSettings, Settings
from tests.ollama_standin import MODEL, FakeOllamaServer, free_port


@pytest.fixture
def server() -> Iterator[FakeOllamaServer]:
    fake = FakeOllamaServer()
    yield fake
    fake.close()


def make_settings(host: str | None, model: str = MODEL, **llm: Any) -> Settings:
    return Settings(llm=LLMSettings(backend="ollama", ollama_host=host, ollama_model=model, **{"timeout_s": 5, **llm}))


def closed_port() -> int:
    return free_port()


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


def test_yes_probability_reads_the_first_tokens_logprobs(server: FakeOllamaServer) -> None:
    backend = OllamaBackend(make_settings(server.url, seed=7))
    assert backend.yes_probability(MESSAGES) == pytest.approx(0.8)  # yes 0.7 + Yes 0.1 against no 0.2
    body = server.find("/api/chat")[-1].body
    assert body["stream"] is False and body["logprobs"] is True and body["top_logprobs"] >= 3
    assert body["options"]["num_predict"] == 1 and body["options"]["temperature"] == 0.0 and body["options"]["seed"] == 7
    server.yes_logprobs = {"no": 0.9, "yes": 0.1}
    assert backend.yes_probability(MESSAGES) == pytest.approx(0.1)


def test_yes_probability_without_logprobs_reads_the_reply(server: FakeOllamaServer) -> None:
    """An Ollama older than 0.12 sends no logprobs: the one-token reply decides, 1.0 or 0.0."""
    server.yes_logprobs = {}
    backend = OllamaBackend(make_settings(server.url))
    server.pieces = ["Yes", ", it does"]
    assert backend.yes_probability(MESSAGES) == 1.0
    server.pieces = ["No"]
    assert backend.yes_probability(MESSAGES) == 0.0


def test_warm_up_evaluates_the_prompt_with_a_one_token_reply(server: FakeOllamaServer) -> None:
    backend = OllamaBackend(make_settings(server.url))
    backend.warm_up(MESSAGES)
    body = server.find("/api/chat")[-1].body
    assert body["messages"] == MESSAGES and body["stream"] is False and body["options"]["num_predict"] == 1
    server.models = ["other:latest"]
    with pytest.raises(LLMError, match="ollama pull"):
        OllamaBackend(make_settings(server.url)).warm_up(MESSAGES)
    with pytest.raises(LLMError, match="Cannot reach Ollama"):
        OllamaBackend(make_settings(f"http://127.0.0.1:{closed_port()}", timeout_s=2)).warm_up(MESSAGES)

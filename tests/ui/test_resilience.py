"""Through the running app (gradio_client): the model server dies mid-answer and comes back; the retrieval-only API.

Plumbing tests: the model is the named stand-in FakeOllamaProcess (tests/ollama_standin.py) or FakeLLM.
"""

from __future__ import annotations

import pytest
from gradio_client import Client

from rag_coach.index.ingest import ingest
from rag_coach.services import Services
from tests.llm.test_ollama_restart import ollama_settings
from tests.ollama_standin import FakeOllamaProcess
from tests.ui.conftest import start_app


def text(message: dict) -> str:
    """A chat message's text (Gradio 6 sends content as a list of typed parts)."""
    content = message["content"]
    return "".join(p.get("text", "") for p in content) if isinstance(content, list) else str(content)


def test_chat_shows_a_readable_error_then_continues_after_the_server_restarts(settings, embedder, tmp_path) -> None:
    from tests.coach.test_chat import fixed_gate
    from tests.llm.test_ollama_restart import HOW_TO

    ingest(settings, embedder=embedder)
    standin = FakeOllamaProcess(record=tmp_path / "chats.jsonl").start(die_on_chat=1)
    live = ollama_settings(settings, standin.url)
    services = Services(live, embedder_override=embedder, gate_override=fixed_gate(True))
    url, _ = start_app(live, services)
    try:
        client = Client(url, verbose=False)
        h1, _, _ = client.predict("Who is the Bar Raiser?", [], "amazon", "behavioral", api_name="/ask")
        assert "veto the hire" in text(h1[-1])  # a lookup: extractive, no model call

        h2, sources, _ = client.predict(HOW_TO, h1, "amazon", "behavioral", api_name="/ask")
        error = text(h2[-1])
        assert "**Error:**" in error and "dropped the connection while generating" in error and "ask again" in error
        assert "Traceback" not in error and "Hel" not in error  # no half-written sentence is shown
        assert h2[: len(h1)] == h1 and "Frugality" in sources
        standin.wait_dead()

        standin.start()  # same port
        h3, _, _ = client.predict(HOW_TO, h2, "amazon", "behavioral", api_name="/ask")
        assert h3[: len(h2)] == h2 and "Hello, world" not in text(h3[-1]) and "&#91;" in text(h3[-1])
        messages = standin.chats()[-1]["messages"]
        assert [m["role"] for m in messages] == ["system", "user"] and HOW_TO in messages[1]["content"]
    finally:
        standin.stop()
        services.retriever.close()


def test_sources_endpoint_is_retrieval_only(fake_app) -> None:
    url, services = fake_app
    client = Client(url, verbose=False)
    hits = client.predict("Who can veto my hire?", "amazon", "behavioral", api_name="/sources")
    assert hits[0]["section"] == "Bar Raiser" and hits[0]["file"] == "companies/amazon.md"
    assert {h["company"] for h in hits} <= {"amazon", "general"}
    assert services.backend.inner.requests == []
    with pytest.raises(Exception, match="unknown company 'acme'"):
        client.predict("Who can veto my hire?", "acme", "all", api_name="/sources")

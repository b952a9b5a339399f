"""The Ollama server dies in the middle of a streamed answer, then comes back on the same port.

Plumbing test: FakeOllamaProcess is the named stand-in from tests/ollama_standin.py, run in its own
process and killed with SIGKILL by itself after the first piece of the chosen request.
"""

from __future__ import annotations

import signal

import pytest

from rag_coach.coach.chat import ChatSession
from rag_coach.index.ingest import ingest
from rag_coach.llm.base import LLMError
from rag_coach.services import Services
from tests.ollama_standin import MODEL, FakeOllamaProcess


def ollama_settings(settings, url: str):
    llm = settings.llm.model_copy(update={"backend": "ollama", "ollama_host": url, "ollama_model": MODEL, "timeout_s": 10})
    return settings.model_copy(update={"llm": llm, "coach": settings.coach.model_copy(update={"min_relevance": 0.0})})


def test_chat_survives_a_server_killed_mid_stream(settings, embedder, tmp_path) -> None:
    ingest(settings, embedder=embedder)
    standin = FakeOllamaProcess(record=tmp_path / "chats.jsonl").start(die_on_chat=2)
    services = Services(ollama_settings(settings, standin.url), embedder_override=embedder)
    try:
        session = ChatSession("amazon", "behavioral")
        first = services.coach.ask(session, "Who can veto my hire?")
        assert first.answer == "Hello, world" and len(session.history) == 2

        events = []
        with pytest.raises(LLMError) as err:
            for event in services.coach.turn(session, "What does frugality mean?"):
                events.append(event)
        assert [e.kind for e in events] == ["sources", "token"] and events[1].text == "Hel"  # died mid-answer
        message = str(err.value)
        assert message.startswith(f"Ollama at {standin.url} dropped the connection while generating")
        assert "\n" not in message and "Traceback" not in message
        assert standin.wait_dead() == -signal.SIGKILL
        assert len(session.history) == 2  # the broken turn left no half answer behind

        standin.start()  # back on the same port
        third = services.coach.ask(session, "What does frugality mean?")
        assert third.answer == "Hello, world" and len(session.history) == 4
        messages = standin.chats()[-1]["messages"]
        assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
        assert "Who can veto my hire?" in messages[1]["content"] and messages[2]["content"] == "Hello, world"
        assert "What does frugality mean?" in messages[3]["content"]
    finally:
        standin.stop()
        services.retriever.close()

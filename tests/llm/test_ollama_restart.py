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


HOW_TO = "How should I prepare a frugality story for Amazon?"  # phrased by the model, one call per evidence item


def test_chat_survives_a_server_killed_mid_stream(settings, embedder, tmp_path) -> None:
    from tests.coach.test_chat import fixed_gate

    ingest(settings, embedder=embedder)
    standin = FakeOllamaProcess(record=tmp_path / "chats.jsonl").start(die_on_chat=1)
    services = Services(ollama_settings(settings, standin.url), embedder_override=embedder, gate_override=fixed_gate(True))
    try:
        session = ChatSession("amazon", "behavioral")
        first = services.coach.ask(session, "Who is the Bar Raiser?")  # a lookup: extractive, no model call
        assert "veto the hire" in first.answer and len(session.history) == 2 and standin.chats() == []

        events = []
        with pytest.raises(LLMError) as err:
            for event in services.coach.turn(session, HOW_TO):
                events.append(event)
        assert [e.kind for e in events] == ["sources"]  # died inside the first sentence: nothing half-written shown
        message = str(err.value)
        assert message.startswith(f"Ollama at {standin.url} dropped the connection while generating")
        assert "\n" not in message and "Traceback" not in message
        assert standin.wait_dead() == -signal.SIGKILL
        assert len(session.history) == 2  # the broken turn left no half answer behind

        standin.start()  # back on the same port
        third = services.coach.ask(session, HOW_TO)
        assert third.sentences and len(session.history) == 4
        # "Hello, world" is not backed by the evidence: each sentence is shown as its evidence, cited
        assert all(s.text == s.evidence_text and s.check != "supported" for s in third.sentences)
        messages = standin.chats()[-1]["messages"]
        assert [m["role"] for m in messages] == ["system", "user"] and "Evidence: " in messages[1]["content"]
        assert HOW_TO in messages[1]["content"]
    finally:
        standin.stop()
        services.retriever.close()

"""Run the real Gradio app in-process on a free loopback port."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from rag_coach.index.ingest import ingest
from rag_coach.services import Services
from rag_coach.settings import Settings, updated
from rag_coach.ui.app import launch
from tests.fakes import FakeLLM
from tests.ui.browser import page  # noqa: F401 - the Playwright page fixture for every browser test


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(settings: Settings, services: Services) -> tuple[str, object]:
    settings = settings.model_copy(update={"app": settings.app.model_copy(update={"port": free_port(), "warm_up": False})})
    app, url, _ = launch(settings, services, block=False)
    return url.rstrip("/"), app


@pytest.fixture()
def fake_app(settings: Settings, embedder) -> Iterator[tuple[str, Services]]:
    """The app on the test corpus with the named FakeLLM and an always-answer gate (UI plumbing)."""
    from tests.coach.test_chat import fixed_gate

    ingest(settings, embedder=embedder)
    settings = updated(settings, coach={"min_relevance": 0.0})
    services = Services(settings, backend_override=FakeLLM(echo=True), embedder_override=embedder,
                        gate_override=fixed_gate(True))
    url, _ = start_app(settings, services)
    yield url, services
    services.retriever.close()


ANSWER = ("I would reverse the linked list of shipments in place with three pointers prev, current and next. "
          "First I handle the empty list, then walk once, so it is O(n) time and O(1) extra space.")


@pytest.fixture()
def interview_app(settings: Settings, embedder) -> Iterator[tuple[str, Services]]:
    """The app with a FakeLLM scripted to return schema-valid feedback for ANSWER (UI plumbing only)."""
    from tests.interview.helpers import scripted

    ingest(settings, embedder=embedder)
    fake = scripted(FakeLLM(), 3, "mistake.linked_list.empty_input")
    services = Services(settings, backend_override=fake, embedder_override=embedder)
    url, _ = start_app(settings, services)
    yield url, services
    services.retriever.close()

"""The app through gradio_client, concurrency isolation, and the safe-bind rule."""

from __future__ import annotations

import re
import threading

import pytest
from gradio_client import Client

from rag_coach.settings import load_settings, updated
from rag_coach.ui.app import UnsafeBindError, check_bind, is_loopback


def test_ask_through_gradio_client(fake_app) -> None:
    url, services = fake_app
    client = Client(url, verbose=False)
    history, sources, question = client.predict("Who can veto my hire?", [], "amazon", "behavioral", api_name="/ask")
    answer = str(history[-1]["content"])
    assert history[-1]["role"] == "assistant" and "can veto the hire" in answer and "&#91;1&#93;" in answer  # cited evidence
    assert "Bar Raiser" in sources and "companies/amazon.md" in sources
    assert question == ""


def test_eight_concurrent_sessions_stay_apart(fake_app) -> None:
    url, _ = fake_app
    companies = ["amazon", "google"] * 4
    results: dict[int, tuple] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            client = Client(url, verbose=False)
            for turn in range(2):
                out = client.predict(f"session {i} turn {turn} about frugality and googleyness", [], companies[i], "all", api_name="/ask")
            results[i] = out
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors and len(results) == 8
    for i, (history, sources, _) in results.items():
        text = str(history)
        assert set(re.findall(r"session (\d+)", text)) == {str(i)}, text
        other = "google" if companies[i] == "amazon" else "amazon"
        assert f"companies/{other}.md" not in sources


def test_refuses_open_bind_without_auth() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    with pytest.raises(UnsafeBindError, match="refusing to listen on 0.0.0.0 without authentication"):
        check_bind(load_settings(app={"host": "0.0.0.0"}))
    assert check_bind(load_settings(app={"host": "0.0.0.0", "auth": "me:secret"})) == ("me", "secret")
    assert check_bind(load_settings()) is None


def test_app_py_exits_with_a_clear_message_on_open_bind(tmp_path) -> None:
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "app.py", "--host", "0.0.0.0"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "without authentication" in out.stderr


def test_missing_index_and_missing_model_are_readable_chat_messages(settings, embedder, tmp_path) -> None:
    from rag_coach.index.ingest import ingest
    from rag_coach.services import Services
    from tests.ui.conftest import start_app

    services = Services(settings, embedder_override=embedder)  # no index built yet
    url, _ = start_app(settings, services)
    history, sources, _ = Client(url, verbose=False).predict("What is a bar raiser?", [], "amazon", "all", api_name="/ask")
    text = str(history[-1]["content"])
    assert "no index in" in text and "rag-coach ingest" in text and "Traceback" not in text

    ingest(settings, embedder=embedder)
    missing = settings.model_copy(update={"llm": settings.llm.model_copy(update={"model_path": tmp_path / "gone.gguf"}),
                                          "coach": settings.coach.model_copy(update={"min_relevance": 0.0})})
    from tests.coach.test_chat import fixed_gate

    services = Services(missing, embedder_override=embedder, gate_override=fixed_gate(True))
    url, _ = start_app(missing, services)
    # a how-to question needs the model to phrase it (a lookup is answered extractively, without one)
    history, sources, _ = Client(url, verbose=False).predict("How should I prepare for the Bar Raiser?", [], "amazon", "all",
                                                             api_name="/ask")
    text = str(history[-1]["content"])
    assert "gone.gguf not found: run `rag-coach models pull`" in text
    services.retriever.close()


def test_an_invented_figure_never_reaches_the_page(settings, embedder) -> None:
    from rag_coach.index.ingest import ingest
    from rag_coach.services import Services
    from tests.coach.test_chat import fixed_gate
    from tests.fakes import FakeLLM
    from tests.ui.conftest import start_app

    ingest(settings, embedder=embedder)
    settings = updated(settings, coach={"min_relevance": 0.0})
    fake = FakeLLM(["The Bar Raiser can veto the hire and the base salary is $187,500."])
    services = Services(settings, backend_override=fake, embedder_override=embedder, gate_override=fixed_gate(True))
    url, _ = start_app(settings, services)
    history, sources, _ = Client(url, verbose=False).predict("How should I prepare for the Bar Raiser?", [], "amazon", "all",
                                                             api_name="/ask")
    answer = str(history[-1]["content"])
    assert fake.requests and "$187,500" not in answer and "salary" not in answer  # replaced by its evidence
    assert "can veto the hire" in answer and "rc-cited" in sources  # the cited sentence is highlighted
    services.retriever.close()

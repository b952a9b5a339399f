"""One model call at a time per model instance (streams and rubric-check probabilities).

The app serves many candidates at once. Retrieval runs concurrently, but a model instance answers one
request at a time: llama.cpp's context is not re-entrant, and a local Ollama server with one model
queues requests anyway. :class:`SerializedBackend` wraps any backend with a lock held for the whole
stream, released when the stream ends, fails or is closed early.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from rag_coach.llm.base import BackendInfo, ChatBackend, Message, Usage


class SerializedBackend:
    """A :class:`~rag_coach.llm.base.ChatBackend` that lets one model call (stream or probability) run at a time."""

    def __init__(self, inner: ChatBackend) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._waiting = 0
        self._count = threading.Lock()

    @property
    def info(self) -> BackendInfo:
        return self.inner.info

    @property
    def waiting(self) -> int:
        """Requests waiting for the model right now."""
        return self._waiting

    def _acquire(self) -> None:
        with self._count:
            self._waiting += 1
        try:
            self._lock.acquire()
        finally:
            with self._count:
                self._waiting -= 1

    def check(self) -> None:
        self.inner.check()

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def stream_chat(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        json_schema: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> Iterator[str]:
        self._acquire()
        try:
            yield from self.inner.stream_chat(
                messages, max_tokens=max_tokens, temperature=temperature, json_schema=json_schema, usage=usage
            )
        finally:
            self._lock.release()

    def yes_probability(self, messages: list[Message]) -> float:
        """A model call too (rubric checks while grading): it waits for the current stream."""
        self._acquire()
        try:
            return self.inner.yes_probability(messages)
        finally:
            self._lock.release()

    def warm_up(self, messages: list[Message]) -> None:
        """Evaluate a stable prompt prefix ahead of the first request, if the backend can (the embedded one
        can; Ollama loads on its own); a model call too, so it waits its turn."""
        warm = getattr(self.inner, "warm_up", None)
        if warm is None:
            return
        self._acquire()
        try:
            warm(messages)
        finally:
            self._lock.release()

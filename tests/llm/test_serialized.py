"""SerializedBackend: one generation at a time per model instance, released on every exit path."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from rag_coach.llm.base import BackendInfo, ChatBackend, LLMError
from rag_coach.llm.serialized import SerializedBackend


class SlowFakeBackend:
    """Named fake (plumbing only): yields pieces slowly and records overlapping generations."""

    def __init__(self, fail: bool = False) -> None:
        self.info = BackendInfo("fake", "slow-fake")
        self.active = 0
        self.max_active = 0
        self.fail = fail
        self.requests: list[Any] = []

    def check(self) -> None:
        return None

    def count_tokens(self, text: str) -> int:
        return len(text)

    def yes_probability(self, messages: list[dict[str, str]]) -> float:
        self.max_active = max(self.max_active, self.active + 1)
        return 0.75

    def stream_chat(self, messages: list[dict[str, str]], **_: Any) -> Iterator[str]:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            for piece in ("a", "b", "c"):
                time.sleep(0.02)
                if self.fail:
                    raise LLMError("server went away")
                yield piece
        finally:
            self.active -= 1


def test_generations_do_not_overlap_and_nothing_else_passes_through() -> None:
    inner = SlowFakeBackend()
    backend = SerializedBackend(inner)
    assert isinstance(backend, ChatBackend) and backend.info.model == "slow-fake"
    assert not hasattr(backend, "requests") and backend.inner.requests is inner.requests  # no hidden forwarding
    out: list[str] = []
    threads = [threading.Thread(target=lambda: out.append("".join(backend.stream_chat([])))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == ["abc"] * 4 and inner.max_active == 1


def test_lock_is_released_on_error_and_on_early_close() -> None:
    failing = SerializedBackend(SlowFakeBackend(fail=True))
    with pytest.raises(LLMError):
        list(failing.stream_chat([]))
    assert not failing._lock.locked()
    backend = SerializedBackend(SlowFakeBackend())
    stream = backend.stream_chat([])
    assert next(stream) == "a" and backend._lock.locked()
    stream.close()  # an abandoned turn
    assert not backend._lock.locked() and "".join(backend.stream_chat([])) == "abc"


def test_rubric_probability_waits_for_the_stream() -> None:
    inner = SlowFakeBackend()
    backend = SerializedBackend(inner)
    stream = backend.stream_chat([])
    next(stream)  # a stream holds the model
    got: list[float] = []
    waiter = threading.Thread(target=lambda: got.append(backend.yes_probability([])))
    waiter.start()
    waiter.join(0.2)
    assert got == [] and backend.waiting == 1
    stream.close()
    waiter.join(5)
    assert got == [0.75] and inner.max_active == 1


def test_warm_up_waits_for_the_stream_and_is_a_no_op_without_support() -> None:
    inner = SlowFakeBackend()
    warmed: list[int] = []
    inner.warm_up = lambda messages: warmed.append(inner.active)  # type: ignore[attr-defined]
    backend = SerializedBackend(inner)
    stream = backend.stream_chat([])
    next(stream)
    waiter = threading.Thread(target=lambda: backend.warm_up([]))
    waiter.start()
    waiter.join(0.2)
    assert warmed == [] and backend.waiting == 1  # it does not run beside a generation
    stream.close()
    waiter.join(5)
    assert warmed == [0] and not backend._lock.locked()
    SerializedBackend(SlowFakeBackend()).warm_up([])  # a backend without warm-up: nothing happens

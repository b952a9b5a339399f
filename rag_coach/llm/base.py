"""The backend interface every model component implements, and its user-facing errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": "..."}


class LLMError(RuntimeError):
    """A model problem the user can fix; the message is one sentence saying what to run or change."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    truncated: bool = False  # generation stopped at max_tokens


@dataclass
class BackendInfo:
    backend: str  # "embedded" | "ollama" | "fake"
    model: str
    adapter: str | None = None
    context_tokens: int = 4096
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class ChatBackend(Protocol):
    """Streams a chat completion. ``json_schema`` asks for constrained decoding to that schema."""

    info: BackendInfo

    def check(self) -> None:
        """Raise :class:`LLMError` with an actionable sentence if the backend cannot answer (server down, model missing)."""

    def stream_chat(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        json_schema: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> Iterator[str]:
        """Yield text pieces; fill ``usage`` (if given) when the stream ends."""

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` costs in this model (an estimate where the backend cannot tokenize locally)."""

    def yes_probability(self, messages: list[Message]) -> float:
        """P(the reply starts with "yes") against "no", from the next-token distribution (0.0-1.0).

        Used for rubric checks: a probability carries more signal than a small model's greedy choice.
        Backends that expose no probabilities return 1.0 or 0.0 from a one-token reply.
        """


def yes_share(yes: float, no: float) -> float:
    """P(yes) / (P(yes) + P(no)); 0.5 when neither has any mass."""
    total = yes + no
    return yes / total if total > 0 else 0.5

"""Named fakes for plumbing tests only (the model itself is tested with real GGUF files elsewhere)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from rag_coach.llm.base import BackendInfo, Message, Usage

Reply = str | Callable[[list[Message], dict[str, Any] | None], str]


class FakeLLM:
    """A scripted chat backend that records every request. Not a model: it proves the plumbing."""

    def __init__(self, replies: list[Reply] | None = None, context_tokens: int = 4096, echo: bool = False) -> None:
        # a reply is text, or a function of (messages, json_schema) for replies that follow the grammar asked for
        self.replies: list[Reply] = list(replies or ["Fake answer citing [1]."])
        self.checks: list[list[Message]] = []  # yes_probability requests, kept apart from chat requests
        self.yes: float | Callable[[list[Message]], float] = 0.9  # rubric checks: P(yes)
        self.echo = echo  # reply with the evidence it was given (a faithful "rewrite"), else the last question
        self.requests: list[dict[str, Any]] = []
        self.info = BackendInfo("fake", "fake-llm", None, context_tokens)

    def check(self) -> None:
        return None

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def yes_probability(self, messages: list[Message]) -> float:
        """Scripted: ``self.yes`` (a number, or a function of the messages); records the request."""
        self.checks.append([dict(m) for m in messages])
        return float(self.yes(messages)) if callable(self.yes) else float(self.yes)

    def stream_chat(self, messages: list[Message], *, max_tokens: int = 512, temperature: float = 0.2,
                    json_schema: dict[str, Any] | None = None, usage: Usage | None = None) -> Iterator[str]:
        self.requests.append({"messages": [dict(m) for m in messages], "max_tokens": max_tokens, "json_schema": json_schema})
        if self.echo:
            content = messages[-1]["content"]
            if "\nEvidence: " in content:
                reply = content.split("\nEvidence: ", 1)[1].split("\n")[0].strip()
            else:
                question = content.split("Question:", 1)[-1].split("\n")[0].strip()
                reply = f"You asked: {question} [1]"
        else:
            scripted = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
            reply = scripted(messages, json_schema) if callable(scripted) else scripted
        words = reply.split(" ")
        for i, word in enumerate(words):
            yield word if i == 0 else " " + word
        if usage is not None:
            usage.prompt_tokens = sum(self.count_tokens(m["content"]) for m in messages)
            usage.completion_tokens = len(words)

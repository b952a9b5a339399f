"""A grounded coaching turn: retrieve (company + round) → prompt → stream → cited answer with sources."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rag_coach.coach.citations import clean_citations, unsupported_figures
from rag_coach.coach.prompts import fit_history, system_prompt, user_message
from rag_coach.documents.registry import Registry
from rag_coach.llm.base import ChatBackend, Message, Usage
from rag_coach.retrieval.filters import Filters
from rag_coach.retrieval.retriever import Hit, Retriever
from rag_coach.settings import Settings
from rag_coach.textsafety import CleanText, clean_input

log = logging.getLogger(__name__)

UNSUPPORTED = ("Not in the retrieved sources: {figures}. The model may have made these figures up; "
               "check them before relying on them.")
NOTHING_FOUND = (
    "The corpus has nothing on this, so what follows is general advice, not a fact about {company}:\n\n"
)


@dataclass
class ChatSession:
    """One candidate's conversation. Company and round may change between turns."""

    company: str = "general"
    round: str = "all"
    history: list[Message] = field(default_factory=list)
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


@dataclass
class TurnResult:
    answer: str
    sources: list[Hit]
    citations: list[int]
    grounded: bool
    timings: dict[str, float]
    tokens: dict[str, int]
    backend: str
    model: str
    adapter: str | None
    dropped_citations: list[int] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # for the user, e.g. "your message was cut"
    warnings: list[str] = field(default_factory=list)  # about the answer, e.g. figures found in no source

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "sources": [h.to_dict() for h in self.sources],
            "citations": self.citations,
            "grounded": self.grounded,
            "timings": self.timings,
            "tokens": self.tokens,
            "backend": self.backend,
            "model": self.model,
            "adapter": self.adapter,
            "notices": self.notices,
            "warnings": self.warnings,
        }


@dataclass
class TurnEvent:
    kind: str  # "sources" | "token" | "done"
    sources: list[Hit] | None = None
    text: str = ""
    result: TurnResult | None = None


class Coach:
    """The chat service. The UI and CLI receive it; it receives the retriever and the model backend."""

    def __init__(self, settings: Settings, retriever: Retriever, backend: ChatBackend, registry: Registry) -> None:
        self.settings = settings
        self.retriever = retriever
        self.backend = backend
        self.registry = registry

    def system_for(self, session: ChatSession) -> str:
        return system_prompt(self.registry.company_name(session.company), self.registry.round_name(session.round))

    def clean_question(self, question: str) -> CleanText:
        """The message as the coach uses it: control characters removed, cut to ``coach.max_message_chars``."""
        return clean_input(question, self.settings.coach.max_message_chars)

    def sources(self, question: str, company: str, round: str) -> tuple[list[Hit], bool]:
        """Retrieval only (no model): the passages a turn would cite for ``question``. Unknown slugs are refused."""
        if company not in self.registry.companies:
            raise ValueError(f"unknown company '{company}': use one of {', '.join(self.registry.companies)}")
        if round not in self.registry.rounds:
            raise ValueError(f"unknown round '{round}': use one of {', '.join(self.registry.rounds)}")
        return self.retrieve(ChatSession(company, round), self.clean_question(question).text)

    def retrieve(self, session: ChatSession, question: str) -> tuple[list[Hit], bool]:
        filters = Filters(company=session.company, round=session.round)  # company + general, round + all
        hits = self.retriever.retrieve(question, filters, top_k=self.settings.coach.passages)
        top = max((h.dense_score or 0.0 for h in hits), default=0.0)
        grounded = bool(hits) and top >= self.settings.coach.min_relevance
        return (hits if grounded else []), grounded

    def build_messages(self, session: ChatSession, question: str, hits: list[Hit], grounded: bool) -> tuple[list[Message], Message]:
        cfg = self.settings.coach
        user = user_message(question, hits, cfg.passage_chars, grounded)
        reserve = self.settings.llm.max_answer_tokens + self.backend.count_tokens(user["content"]) + 400
        budget = min(cfg.history_tokens, max(0, self.backend.info.context_tokens - reserve))
        history = fit_history(session.history, budget, self.backend.count_tokens)
        return [{"role": "system", "content": self.system_for(session)}, *history, user], user

    @staticmethod
    def retrieval_query(session: ChatSession, question: str) -> str:
        """A short follow-up ("can you give an example?") is searched together with the previous question."""
        if len(question.split()) >= 8 or not session.history:
            return question
        previous = session.history[-2]["content"].rsplit("Question:", 1)[-1].split("\n")[0].strip()
        return f"{previous} {question}"

    def turn(self, session: ChatSession, question: str) -> Iterator[TurnEvent]:
        """Sources, then answer tokens, then the result. A backend failure raises (LLMError) and leaves
        ``session.history`` as it was before the turn, so the next turn works once the backend is back."""
        started = time.perf_counter()
        cleaned = self.clean_question(question)
        question = cleaned.text
        notice = cleaned.notice()
        if notice:
            log.warning("chat message cut from %d to %d characters", cleaned.original_chars, cleaned.limit)
        hits, grounded = self.retrieve(session, self.retrieval_query(session, question))
        retrieval_ms = (time.perf_counter() - started) * 1000
        yield TurnEvent("sources", sources=hits)
        messages, user = self.build_messages(session, question, hits, grounded)
        prefix = "" if grounded else NOTHING_FOUND.format(company=self.registry.company_name(session.company))
        if prefix:
            yield TurnEvent("token", text=prefix)
        usage = Usage()
        pieces: list[str] = []
        first_token_ms = None
        stream = self.backend.stream_chat(
            messages, max_tokens=self.settings.llm.max_answer_tokens, temperature=self.settings.llm.temperature, usage=usage
        )
        try:
            for piece in stream:
                if first_token_ms is None:
                    first_token_ms = (time.perf_counter() - started) * 1000
                pieces.append(piece)
                yield TurnEvent("token", text=piece)
        finally:  # an abandoned turn must not keep the model (and its lock) busy
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        raw = "".join(pieces)
        answer, used, dropped = clean_citations(raw, len(hits))
        if dropped:
            log.warning("dropped citations to missing passages: %s", dropped)
        figures = unsupported_figures(answer, [h.chunk.text for h in hits], question)
        if figures:
            log.info("answer has figures found in no retrieved passage: %s", figures)
        session.history += [user, {"role": "assistant", "content": raw}]
        info = self.backend.info
        result = TurnResult(
            answer=prefix + answer,
            sources=hits,
            citations=used,
            grounded=grounded,
            timings={
                "retrieval_ms": round(retrieval_ms, 1),
                "first_token_ms": round(first_token_ms or 0.0, 1),
                "total_ms": round((time.perf_counter() - started) * 1000, 1),
            },
            tokens={"prompt": usage.prompt_tokens, "completion": usage.completion_tokens},
            backend=info.backend,
            model=info.model,
            adapter=info.adapter,
            dropped_citations=dropped,
            notices=[notice] if notice else [],
            warnings=[UNSUPPORTED.format(figures=", ".join(figures))] if figures else [],
        )
        yield TurnEvent("done", result=result)

    def ask(self, session: ChatSession, question: str) -> TurnResult:
        result = None
        for event in self.turn(session, question):
            if event.kind == "done":
                result = event.result
        assert result is not None
        return result

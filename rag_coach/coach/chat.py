"""An attributed coaching turn: retrieve → select evidence → gate → compose with citations → check.

The system, not the model, owns what must be true. Retrieval (company + round filters) finds the
passages; ``evidence.select`` picks the sentences that answer; ``gate`` decides in code whether they
answer *this* question; a refused question gets the fixed form of ``refusal`` without any model call;
otherwise ``compose`` has the model phrase one sentence per evidence item, checks each against its
item and attaches the item's citation itself. Sources are yielded before anything else.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rag_coach.coach import evidence as evidence_mod
from rag_coach.coach.compose import REWRITE_RULES, AnswerSentence, Composer, Composition, bulleted, render
from rag_coach.coach.evidence import EvidenceItem, QuestionType
from rag_coach.coach.answerability import FEATURE as CHECK_FEATURE, evidence_check
from rag_coach.coach.gate import GateDecision, GateModel, load_checked
from rag_coach.coach.refusal import refusal
from rag_coach.documents.registry import Registry
from rag_coach.llm.base import ChatBackend, Message
from rag_coach.retrieval.bm25 import tokenize
from rag_coach.retrieval.filters import Filters
from rag_coach.retrieval.retriever import Hit, Retriever
from rag_coach.settings import Settings
from rag_coach.textsafety import CleanText, clean_input

log = logging.getLogger(__name__)


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
    notices: list[str] = field(default_factory=list)  # for the user, e.g. "your message was cut"
    warnings: list[str] = field(default_factory=list)  # about the answer
    refused: bool = False  # the fixed "not covered" form, decided by the gate
    question_type: str = "lookup"
    evidence: list[EvidenceItem] = field(default_factory=list)
    sentences: list[AnswerSentence] = field(default_factory=list)
    gate: GateDecision | None = None

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
            "refused": self.refused,
            "question_type": self.question_type,
            "gate": self.gate.to_dict() if self.gate else None,
            "evidence": [{"key": e.key, "passage": e.passage, "text": e.text, "score": round(e.score, 4)} for e in self.evidence],
            "sentences": [s.to_dict() for s in self.sentences],
        }


@dataclass(frozen=True)
class Plan:
    kind: QuestionType
    evidence: list[EvidenceItem]
    gate: GateDecision
    nearby: list[EvidenceItem]  # the best sentences, shown as "what the corpus covers nearby" on a refusal


@dataclass
class TurnEvent:
    kind: str  # "sources" | "token" | "done"
    sources: list[Hit] | None = None
    text: str = ""
    result: TurnResult | None = None


class Coach:
    """The chat service. The UI and CLI receive it; it receives the retriever, the model backend and the gate."""

    def __init__(self, settings: Settings, retriever: Retriever, backend: ChatBackend, registry: Registry,
                 gate: GateModel | None = None, checked_gate: GateModel | None = None) -> None:
        self.settings = settings
        self.retriever = retriever
        self.backend = backend
        self.registry = registry
        self.gate = gate or GateModel.load()
        # the gate with the model's evidence check: only the shipped one, and only with the shipped gate
        self.checked_gate = checked_gate if checked_gate is not None else (None if gate is not None else load_checked())
        self.composer = Composer(backend, tuple(registry.companies.values()))

    @staticmethod
    def warm_up_messages() -> list[Message]:
        """The stable prompt prefix of every model call in a turn (llama.cpp caches it once warmed)."""
        return [{"role": "system", "content": REWRITE_RULES}]

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

    @staticmethod
    def retrieval_query(session: ChatSession, question: str) -> str:
        """A short follow-up ("can you give an example?") is searched together with the previous question."""
        if len(question.split()) >= 8 or not session.history:
            return question
        previous = session.history[-2]["content"].rsplit("Question:", 1)[-1].split("\n")[0].strip()
        return f"{previous} {question}"

    def gate_ignore(self, session: ChatSession) -> set[str]:
        """Words that say which company/round is meant, not what is asked (not counted by the gate)."""
        names = [session.company, session.round, self.registry.company_name(session.company),
                 self.registry.round_name(session.round), "interview", "general"]
        return set(tokenize(" ".join(names)))

    def plan(self, session: ChatSession, query: str, hits: list[Hit]) -> Plan:
        """The decisions of a turn, all in code: question type, evidence, answerable or not."""
        embed = self.retriever.embedder.embed_documents
        kind = evidence_mod.question_type(query)
        ranked = evidence_mod.score(query, evidence_mod.candidates(hits), embed) if hits else []
        chosen = evidence_mod.pick(ranked, kind)
        decision = self.gate.decide(query, chosen, hits, self.gate_ignore(session), embed)
        if self.checked_gate is not None and chosen:
            check = evidence_check(self.backend, query, chosen)  # None: no probability, the decision above stands
            if check is not None:
                decision = self.checked_gate.redecide(decision, {CHECK_FEATURE: check.lift})
        return Plan(kind, chosen, decision, evidence_mod.pick(ranked, "lookup"))

    def turn(self, session: ChatSession, question: str) -> Iterator[TurnEvent]:
        """Sources, then answer text (sentence by sentence), then the result. A backend failure raises
        (LLMError) and leaves ``session.history`` as it was before the turn."""
        started = time.perf_counter()
        cleaned = self.clean_question(question)
        question = cleaned.text
        notice = cleaned.notice()
        if notice:
            log.warning("chat message cut from %d to %d characters", cleaned.original_chars, cleaned.limit)
        query = self.retrieval_query(session, question)
        hits, grounded = self.retrieve(session, query)
        retrieval_ms = (time.perf_counter() - started) * 1000
        yield TurnEvent("sources", sources=hits)
        plan = self.plan(session, query, hits)
        kind, chosen, decision = plan.kind, plan.evidence, plan.gate
        plan_ms = (time.perf_counter() - started) * 1000 - retrieval_ms
        first_token_ms: float | None = None
        composition = Composition()
        if decision.answerable:
            pieces: list[str] = []
            for sentence in self.composer.sentences(question, chosen, kind, self.registry.company_name(session.company),
                                                    composition):
                if first_token_ms is None:
                    first_token_ms = (time.perf_counter() - started) * 1000
                piece = sentence.render()
                sep = ("\n- " if pieces else "- ") if bulleted(kind, len(chosen)) else (" " if pieces else "")
                pieces.append(piece)
                yield TurnEvent("token", text=sep + piece)
            sentences = composition.sentences
            answer = render(sentences, kind)
        else:
            answer, sentences = refusal(question, self.registry.company_name(session.company), plan.nearby,
                                        decision.missing_words)
            first_token_ms = (time.perf_counter() - started) * 1000
            yield TurnEvent("token", text=answer)
        session.history += [{"role": "user", "content": f"Question: {question}"}, {"role": "assistant", "content": answer}]
        info = self.backend.info
        result = TurnResult(
            answer=answer,
            sources=hits,
            citations=sorted({s.passage for s in sentences}),
            grounded=grounded,
            timings={
                "retrieval_ms": round(retrieval_ms, 1),
                "plan_ms": round(plan_ms, 1),
                "first_token_ms": round(first_token_ms or 0.0, 1),
                "total_ms": round((time.perf_counter() - started) * 1000, 1),
            },
            tokens={"prompt": composition.prompt_tokens, "completion": composition.completion_tokens,
                    "model_sentences": composition.model_sentences, "replaced_sentences": composition.replaced},
            backend=info.backend,
            model=info.model,
            adapter=info.adapter,
            notices=[notice] if notice else [],
            refused=not decision.answerable,
            question_type=kind,
            evidence=chosen,
            sentences=sentences,
            gate=decision,
        )
        yield TurnEvent("done", result=result)

    def ask(self, session: ChatSession, question: str) -> TurnResult:
        result = None
        for event in self.turn(session, question):
            if event.kind == "done":
                result = event.result
        assert result is not None
        return result

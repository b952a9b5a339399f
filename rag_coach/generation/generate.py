"""Generate new bank questions grounded on bank examples and company-guide passages.

Each wanted question is one constrained-JSON call to the chat backend (schema from
:func:`~rag_coach.generation.prompting.generation_schema`), then:

1. parse + JSON-schema check (counts, mistake-id enum) + the :class:`Question` model, with id
   ``q.<company>.<round>.gen_<sha1(prompt)[:8]>`` and ``source: generated`` set by code;
2. near-duplicate check: cosine similarity (all-MiniLM-L6-v2, normalised) of the new prompt to every
   bank prompt of the same round (all companies) and to the questions already accepted in this batch.

A rejected or invalid reply is regenerated (up to ``max_attempts`` calls per wanted question, each retry a
little hotter); a question that never passes is reported as missing, never accepted. Every knob lives in
:class:`~rag_coach.settings.GenerationSettings`; :class:`~rag_coach.services.Services` builds the generator.

Duplicate threshold: **0.85** (``settings.generation.duplicate_threshold``), calibrated on the shipped bank (474 questions).
The nearest-neighbour similarity of each bank prompt to the other prompts of its round has median
0.63, 90th percentile 0.82, 95th 0.87 and 99th 0.92. Reading the pairs: every pair at or above 0.85
is the same question re-worded for another company (collaborative editor 0.93, web crawler 0.88,
"too many priorities" 0.91, meeting rooms 0.85) or, once, the same set-up with a sibling ask (jump game
reachable vs fewest jumps, 0.96: redundant as a new question too), while 0.78-0.84 mixes paraphrases with genuinely
different problems of one topic (reverse list vs reverse in k-blocks 0.83, LRU vs LFU cache 0.82,
insert position vs first/last occurrence 0.81). 0.85 therefore flags re-wordings with no false
alarm among the inspected pairs and still admits a new problem on a well-covered topic. It sits at
about the 93rd percentile overall (89th for behavioral, whose prompts are formulaic). The metrics'
``calibration`` block recomputes the round's distribution (:func:`nn_similarities`) on every run.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import jsonschema
import numpy as np
from pydantic import ValidationError

from rag_coach.documents.models import Question
from rag_coach.generation import prompting
from rag_coach.index.embedding import Embedder
from rag_coach.index.store import IndexError_
from rag_coach.interview.questions import QuestionBank
from rag_coach.llm.base import ChatBackend, LLMError, Usage
from rag_coach.settings import GenerationSettings

if TYPE_CHECKING:
    from rag_coach.retrieval.retriever import Retriever

log = logging.getLogger(__name__)

Status = Literal["accepted", "invalid", "duplicate_bank", "duplicate_batch", "error"]


class GenerationError(ValueError):
    """A request the bank cannot serve (unknown company, round, topic or difficulty)."""


@dataclass
class Attempt:
    slot: int
    attempt: int
    status: Status
    reason: str = ""
    prompt: str | None = None
    similarity: float | None = None  # to the nearest bank / batch prompt
    nearest: str | None = None
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    truncated: bool = False


@dataclass
class GenerationReport:
    company: str
    round: str
    topic: str
    difficulty: str
    requested: int
    threshold: float
    accepted: list[Question] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    passages: list[str] = field(default_factory=list)  # "title > section" of the guide passages used
    notes: list[str] = field(default_factory=list)

    def count(self, *statuses: str) -> int:
        return sum(a.status in statuses for a in self.attempts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "request": {"company": self.company, "round": self.round, "topic": self.topic, "difficulty": self.difficulty,
                        "n": self.requested},
            "threshold": self.threshold,
            "accepted": [question_dict(q) for q in self.accepted],
            "missing": self.requested - len(self.accepted),
            "attempts": [{k: v for k, v in asdict(a).items() if v is not None} for a in self.attempts],
            "passages": self.passages,
            "notes": self.notes,
        }


@dataclass
class RoundIndex:
    """The bank's prompts of one round and their normalised embeddings (row i is ``questions[i]``)."""

    questions: list[Question]
    vectors: np.ndarray


FIELD_ORDER = ("id", "round", "topic", "difficulty", "level", "principles", "prompt", "rubric", "hints", "follow_ups",
               "mistake_ids", "source")


def question_dict(q: Question) -> dict[str, Any]:
    """Bank-file field order; empty optional lists and the file-level company left out."""
    data = q.model_dump()
    return {k: data[k] for k in FIELD_ORDER if data[k] or k in ("mistake_ids",)}


def question_id(company: str, round: str, prompt: str) -> str:
    digest = hashlib.sha1(prompting.one_line(prompt).lower().encode()).hexdigest()[:8]
    return f"q.{company}.{round}.gen_{digest}"


def nn_similarities(vectors: np.ndarray) -> np.ndarray:
    """Each row's highest cosine similarity to another row (rows L2-normalised)."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=np.float32)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1.0)
    return sims.max(axis=1)


class QuestionGenerator:
    """Generates grounded, validated, non-duplicate questions for one bank.

    ``retriever`` is called when company-guide passages are wanted (so a missing index costs a note, not the
    run); ``settings`` is the ``generation`` section of the one Settings object.
    """

    def __init__(self, bank: QuestionBank, embedder: Embedder, backend: ChatBackend, settings: GenerationSettings,
                 retriever: Callable[[], Retriever]) -> None:
        self.bank = bank
        self.embedder = embedder
        self.backend = backend
        self.settings = settings
        self.retriever = retriever
        self._rounds: dict[str, RoundIndex] = {}

    @property
    def threshold(self) -> float:
        return self.settings.duplicate_threshold

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.embed_documents([prompting.one_line(t) for t in texts])

    def round_index(self, round: str) -> RoundIndex:
        if round not in self._rounds:
            questions = sorted((q for q in self.bank.questions.values() if q.round == round), key=lambda q: q.id)
            vectors = self.embed([q.prompt for q in questions]) if questions else np.zeros((0, 0), dtype=np.float32)
            self._rounds[round] = RoundIndex(questions, vectors)
        return self._rounds[round]

    def check_request(self, company: str, round: str, topic: str, difficulty: str) -> None:
        reg = self.bank.registry
        if company not in reg.companies:
            raise GenerationError(f"unknown company '{company}'; valid: {', '.join(reg.companies)}")
        if round not in reg.rounds or round == "all":
            raise GenerationError(f"round must be a concrete round; valid: {', '.join(r for r in reg.rounds if r != 'all')}")
        topics = reg.topics.get(round, ())
        if topics and topic not in topics:
            raise GenerationError(f"topic '{topic}' is not a {round} topic; valid: {', '.join(topics)}")
        if difficulty not in reg.difficulties:
            raise GenerationError(f"difficulty must be one of {', '.join(reg.difficulties)}")

    def passages(self, company: str, round: str, topic: str, report: GenerationReport) -> list[str]:
        """1-2 company-guide passages for the round/topic; none (with a note) when there is no index."""
        from rag_coach.retrieval.filters import Filters

        if not self.settings.passages:
            return []
        query = f"{topic.replace('_', ' ')} {self.bank.registry.round_name(round)} interview: what interviewers look for"
        try:
            hits = self.retriever().retrieve(query, Filters(company=company, round=round, kind="company_guide"),
                                             top_k=self.settings.passages)
        except IndexError_ as exc:
            report.notes.append(f"no company-guide passages (index unavailable: {exc})")
            log.warning("generation without company-guide passages: %s", exc)
            return []
        report.passages = [f"{h.chunk.title} > {h.chunk.section}" for h in hits]
        return [h.chunk.text for h in hits]

    def parse(self, text: str, schema: dict[str, Any], company: str, round: str, topic: str, difficulty: str) -> Question:
        """The reply as a validated Question; ValueError naming the first problem otherwise."""
        obj, error = prompting.parse_json(text)
        if error is not None:
            raise ValueError(error)
        try:
            jsonschema.validate(obj, schema)
        except jsonschema.ValidationError as exc:
            where = ".".join(str(p) for p in exc.absolute_path) or "reply"
            raise ValueError(f"{where}: {exc.message}") from None
        for name in ("rubric", "hints", "follow_ups"):
            items = [prompting.one_line(s).lower() for s in obj[name]]
            if len(set(items)) < len(items):
                raise ValueError(f"{name}: repeated items")
            if any(len(s) >= prompting.ITEM_CHARS for s in obj[name]):
                raise ValueError(f"{name}: an item was cut at {prompting.ITEM_CHARS} characters; keep items short")
        if len(obj["prompt"]) >= prompting.PROMPT_CHARS:
            raise ValueError(f"prompt: cut at {prompting.PROMPT_CHARS} characters; write a shorter question")
        try:
            return Question(**obj, id=question_id(company, round, obj["prompt"]), round=round, topic=topic,
                            difficulty=difficulty, source="generated", company=company)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ValueError(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from None

    def _call(self, messages: list[dict[str, str]], schema: dict[str, Any], attempt: Attempt, temperature: float) -> str:
        usage = Usage()
        start = time.perf_counter()
        text = "".join(self.backend.stream_chat(messages, max_tokens=self.settings.max_tokens, temperature=temperature,
                                                json_schema=schema, usage=usage))
        attempt.seconds = round(time.perf_counter() - start, 2)
        attempt.prompt_tokens, attempt.completion_tokens, attempt.truncated = (
            usage.prompt_tokens, usage.completion_tokens, usage.truncated)
        return text

    def _duplicate(self, vector: np.ndarray, index: RoundIndex, batch: list[tuple[Question, np.ndarray]], attempt: Attempt) -> bool:
        if len(index.questions):
            sims = index.vectors @ vector
            best = int(np.argmax(sims))
            attempt.similarity, attempt.nearest = round(float(sims[best]), 4), index.questions[best].id
            if sims[best] >= self.threshold:
                attempt.status = "duplicate_bank"
                attempt.reason = f"too close to bank question {attempt.nearest} (cosine {sims[best]:.3f} >= {self.threshold})"
                return True
        for other, other_vector in batch:
            sim = float(other_vector @ vector)
            if sim >= self.threshold:
                attempt.status, attempt.similarity, attempt.nearest = "duplicate_batch", round(sim, 4), other.id
                attempt.reason = f"too close to {other.id} from this batch (cosine {sim:.3f} >= {self.threshold})"
                return True
        return False

    def generate(self, company: str, round: str, topic: str, difficulty: str = "medium", n: int = 1,
                 max_attempts: int | None = None) -> GenerationReport:
        """``n`` questions, each given up to ``max_attempts`` model calls (default: the setting)."""
        max_attempts = max_attempts or self.settings.max_attempts
        knobs = self.settings
        self.check_request(company, round, topic, difficulty)
        report = GenerationReport(company, round, topic, difficulty, n, self.threshold)
        index = self.round_index(round)
        passages = self.passages(company, round, topic, report)
        reg = self.bank.registry
        batch: list[tuple[Question, np.ndarray]] = []
        for slot in range(n):
            examples = prompting.pick_examples(self.bank, company, round, topic, difficulty, k=knobs.examples,
                                               offset=slot * 2)
            mistakes = prompting.candidate_mistakes(self.bank, round, topic, examples, knobs.candidate_mistakes)
            principles = prompting.company_principles(self.bank, company) if round == "behavioral" else []
            schema = prompting.generation_schema([m.id for m in mistakes], principles)
            avoid: list[str] = [q.prompt for q, _ in batch]
            retry_note = ""
            for number in range(1, max_attempts + 1):
                messages = prompting.build_messages(
                    company_name=reg.company_name(company), round_name=reg.round_name(round), topic=topic,
                    difficulty=difficulty, examples=examples, passages=passages, mistakes=mistakes, avoid=avoid)
                if retry_note:
                    messages[-1]["content"] += "\n" + prompting.RETRY.format(reason=retry_note)
                attempt = Attempt(slot + 1, number, "invalid")
                report.attempts.append(attempt)
                temperature = min(1.0, knobs.temperature + knobs.retry_temperature_step * (number - 1))
                try:
                    text = self._call(messages, schema, attempt, temperature)
                except LLMError as exc:
                    attempt.status, attempt.reason = "error", str(exc)
                    log.warning("question %d attempt %d: model error: %s", slot + 1, number, exc)
                    retry_note = "the model failed"
                    continue
                try:
                    question = self.parse(text, schema, company, round, topic, difficulty)
                except ValueError as exc:
                    attempt.reason = str(exc) + (" (cut off at the token limit)" if attempt.truncated else "")
                    log.info("question %d attempt %d invalid: %s", slot + 1, number, attempt.reason)
                    retry_note = f"invalid JSON ({exc})"
                    continue
                attempt.prompt = prompting.one_line(question.prompt)
                vector = self.embed([question.prompt])[0]
                if self._duplicate(vector, index, batch, attempt):
                    log.info("question %d attempt %d: %s", slot + 1, number, attempt.reason)
                    avoid.append(question.prompt)
                    retry_note = "it repeats an existing question"
                    continue
                attempt.status = "accepted"
                batch.append((question, vector))
                report.accepted.append(question)
                log.info("question %d accepted after %d attempt(s): %s", slot + 1, number, question.id)
                break
            else:
                report.notes.append(f"question {slot + 1}: no valid, non-duplicate reply in {max_attempts} attempts")
                log.warning("question %d: gave up after %d attempts", slot + 1, max_attempts)
        return report

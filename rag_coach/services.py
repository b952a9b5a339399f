"""The composition root: every component, built lazily from one frozen Settings object.

The CLI, the Gradio app and the evaluation commands get their components here; a test or a benchmark
variant replaces one through its ``*_override`` field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from rag_coach.coach.chat import Coach
from rag_coach.coach.gate import GateModel
from rag_coach.documents.registry import Registry, load_registry
from rag_coach.index.embedding import Embedder
from rag_coach.llm.base import ChatBackend
from rag_coach.retrieval.retriever import Retriever
from rag_coach.settings import Settings

if TYPE_CHECKING:
    from rag_coach.generation.generate import QuestionGenerator
    from rag_coach.practice import PracticeService
    from rag_coach.progress.store import ProgressStore
    from rag_coach.interview.questions import QuestionBank
    from rag_coach.interview.session import InterviewService
    from rag_coach.voice.transcribe import Transcriber


@dataclass
class Services:
    """Lazily built components; each ``*_override`` replaces one (tests pass the named fakes through them)."""

    settings: Settings
    backend_override: ChatBackend | None = None
    embedder_override: Embedder | None = None
    gate_override: GateModel | None = None
    retriever_override: Retriever | None = None  # e.g. one loaded index shared by several variants
    generator_override: QuestionGenerator | None = None

    @cached_property
    def registry(self) -> Registry:
        return load_registry(self.settings.corpus_dir)

    @cached_property
    def embedder(self) -> Embedder:
        return self.embedder_override or Embedder(self.settings.embedding_model, self.settings.embedding_batch_size)

    @cached_property
    def retriever(self) -> Retriever:
        return self.retriever_override or Retriever(self.settings, embedder=self.embedder)

    @cached_property
    def backend(self) -> ChatBackend:
        """The model, shared by chat and grading; one generation at a time (retrieval stays concurrent)."""
        from rag_coach.llm.serialized import SerializedBackend

        if self.backend_override is not None:
            return SerializedBackend(self.backend_override)
        from rag_coach.llm.factory import make_backend

        return SerializedBackend(make_backend(self.settings))

    @cached_property
    def coach(self) -> Coach:
        return Coach(self.settings, self.retriever, self.backend, self.registry, gate=self.gate_override)

    @cached_property
    def question_bank(self) -> QuestionBank:
        from rag_coach.interview.questions import QuestionBank

        return QuestionBank.load(self.settings)

    @cached_property
    def generator(self) -> QuestionGenerator:
        """`questions generate`: the bank, embedder and model; the index only when passages are fetched."""
        if self.generator_override is not None:
            return self.generator_override
        from rag_coach.generation.generate import QuestionGenerator

        return QuestionGenerator(self.question_bank, self.embedder, self.backend, self.settings.generation,
                                 retriever=lambda: self.retriever)

    @cached_property
    def interviews(self) -> InterviewService:
        from rag_coach.interview.grading import Grader
        from rag_coach.interview.relevance import RelevanceCheck
        from rag_coach.interview.screening import Screener
        from rag_coach.interview.session import InterviewService

        grader = Grader(self.backend, self.question_bank, self.settings, self.embedder)
        screener = Screener(self.embedder, self.settings.interview, RelevanceCheck(self.question_bank, self.embedder))
        return InterviewService(
            self.question_bank, grader, screener, default_time_limit_min=self.settings.interview.default_time_limit_min,
            max_input_chars=self.settings.interview.max_input_chars,
            prepare_while_answering=self.settings.interview.prepare_while_answering,
        )

    @cached_property
    def progress(self) -> ProgressStore:
        from rag_coach.progress.store import ProgressStore

        return ProgressStore.in_data_dir(self.settings.data_dir)

    @cached_property
    def practice(self) -> PracticeService:
        from rag_coach.practice import PracticeService

        return PracticeService(self.interviews, self.question_bank, self.progress)

    @cached_property
    def transcriber(self) -> Transcriber:
        """Voice practice: one speech model for the app (loaded at the first recording)."""
        from rag_coach.voice.transcribe import Transcriber

        return Transcriber(self.settings)

"""Decide BEFORE grading whether an answer can be graded: empty/too short, keyboard mash, off-topic,
and (:mod:`rag_coach.interview.relevance`) an answer to another question, a template or another
company's principles.

The model is never asked to score an answer that fails here; the candidate gets a readable reason.
Thresholds live in ``settings.interview`` and were calibrated on ``graded_answers.jsonl`` with
:func:`calibrate`: valid answers' cosine to the question is at least 0.133 (5th percentile 0.238),
the off-topic one scores 0.082 (threshold 0.11); valid answers have at most 15.7% non-word tokens
and at least 42 words, keyboard mash 100%.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rag_coach.documents.models import Question
from rag_coach.index.embedding import Embedder, resolve_model_path
from rag_coach.interview.relevance import RelevanceCheck
from rag_coach.settings import InterviewSettings
from rag_coach.textsafety import one_line as _short

log = logging.getLogger(__name__)

MIN_TOKENS_FOR_NONSENSE = 5  # fewer tokens than this is "too short", not "nonsense"
_FENCE = re.compile(r"```.*?(```|$)", re.S)
_ALPHA = re.compile(r"[A-Za-z]+")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


@dataclass(frozen=True)
class ScreenResult:
    ok: bool
    code: str  # ok | empty | too_short | nonsense | off_topic | not_this_question
    reason: str  # for the candidate; "" when ok
    words: int = 0
    nonword_share: float = 0.0
    similarity: float | None = None
    relevance: dict[str, Any] | None = None  # the relevance check's features, when it refused

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "code": self.code, "reason": self.reason, "words": self.words,
                "nonword_share": round(self.nonword_share, 3),
                "similarity": None if self.similarity is None else round(self.similarity, 3),
                **({"relevance": self.relevance} if self.relevance else {})}


def prose_of(text: str) -> str:
    """The answer without fenced code blocks (code is not checked for words)."""
    return _FENCE.sub(" ", text)


class Screener:
    """Uses the real sentence embedder for the off-topic check and its word-piece vocabulary for words."""

    def __init__(self, embedder: Embedder, settings: InterviewSettings | None = None,
                 relevance: RelevanceCheck | None = None) -> None:
        self.embedder = embedder
        self.settings = settings or InterviewSettings()
        self.relevance = relevance  # wrong-problem / template / other-company check; None skips it
        self._question_vectors: dict[str, np.ndarray] = {}

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Whole words of the embedder's WordPiece vocabulary (empty if the model folder has none)."""
        try:
            path = Path(resolve_model_path(self.embedder.model_name)) / "vocab.txt"
            words = path.read_text(encoding="utf-8").split()
        except (OSError, RuntimeError) as exc:
            log.warning("no vocabulary for the nonsense check (%s); using letter heuristics only", exc)
            return frozenset()
        return frozenset(w for w in words if w.isalpha() and len(w) > 1)

    def _is_word(self, token: str) -> bool | None:
        """True/False for a word/non-word token; None for tokens that do not count (numbers, operators)."""
        if re.fullmatch(r"[\W_]+", token):
            stripped = token.strip(".")
            return None if len(set(token)) > 1 or len(token) < 3 or not stripped else False  # ';;;;' ',,,'
        if re.fullmatch(r"[\d.,:%$€£+-]+", token):
            return None
        pieces = [p.lower() for p in _CAMEL.findall(token)] or [p.lower() for p in _ALPHA.findall(token)]
        if not pieces:
            return None
        for piece in pieces:
            if re.search(r"(.)\1\1", piece) or not re.search(r"[aeiouy]", piece):
                if len(piece) > 2:
                    return False
            if self.vocabulary and len(piece) > 2 and piece not in self.vocabulary:
                return False
        return True

    def nonword_share(self, text: str) -> tuple[float, int, int]:
        """(share of counted tokens that are not words, word tokens, counted tokens) in the prose."""
        verdicts = [self._is_word(t) for t in prose_of(text).split()]
        counted = [v for v in verdicts if v is not None]
        if not counted:
            return 0.0, 0, 0
        words = sum(counted)
        return 1.0 - words / len(counted), words, len(counted)

    def _question_vector(self, question: Question) -> np.ndarray:
        if question.id not in self._question_vectors:
            text = question.prompt + "\n" + "\n".join(question.rubric)
            self._question_vectors[question.id] = self.embedder.embed_documents([text])[0]
        return self._question_vectors[question.id]

    def similarity(self, question: Question, text: str) -> float:
        """Best cosine between the question (prompt + rubric) and the answer or one of its paragraphs."""
        parts = [text] + [p for p in re.split(r"\n\s*\n", text) if len(p.split()) >= 8][:8]
        vectors = self.embedder.embed_documents(parts)
        return float(np.max(vectors @ self._question_vector(question)))

    def screen(self, question: Question, answer: str, code: str = "") -> ScreenResult:
        s = self.settings
        text = (answer or "").strip()
        full = (text + ("\n\n```\n" + code.strip() + "\n```" if code and code.strip() else "")).strip()
        if not full:
            return ScreenResult(False, "empty", "Your answer is empty: write your answer (and any code) before submitting.")
        share, prose_words, counted = self.nonword_share(full)
        words = prose_words + len(_ALPHA.findall(code or ""))
        if counted >= MIN_TOKENS_FOR_NONSENSE and share > s.max_nonword_share:
            return ScreenResult(
                False, "nonsense",
                f"Your answer does not read as an answer ({share:.0%} of it is not words): write it in sentences.",
                words, share,
            )
        if words < s.min_answer_words:
            return ScreenResult(
                False, "too_short",
                f"Your answer is too short to grade ({words} words; at least {s.min_answer_words} needed): explain your "
                "approach and reasoning" + (", and include your code." if question.round == "coding" else "."),
                words, share,
            )
        sim = self.similarity(question, full)
        if sim < s.min_similarity:
            return ScreenResult(
                False, "off_topic",
                f"Your answer is off-topic: it does not address the question \"{_short(question.prompt)}\". "
                f"A strong answer covers, for example: {question.rubric[0].rstrip('.')}.",
                words, share, sim,
            )
        if self.relevance is not None:
            verdict = self.relevance.check(question, full)
            if not verdict.ok:
                return ScreenResult(False, "not_this_question", verdict.reason, words, share, sim, verdict.to_dict())
        return ScreenResult(True, "ok", "", words, share, sim)

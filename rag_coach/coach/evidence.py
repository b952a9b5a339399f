"""Evidence selection: from the retrieved passages, the few sentences (or bank items / catalog entries)
that answer the question, each with the number of the passage it comes from.

The system picks the evidence, not the model: every candidate sentence is scored by its embedding
cosine to the question and its BM25 score within the candidate pool, plus a small share of its
passage's retrieval rank. How many items are kept depends on the question's type (a lookup needs one
or two sentences, a how-to or a list more). A question bank item or a catalog mistake is one item:
splitting "Fix: ..." from its mistake would lose what the fix is for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from rag_coach.coach.prompts import neutralize, sanitize
from rag_coach.retrieval.bm25 import BM25Index, tokenize
from rag_coach.retrieval.retriever import Hit

QuestionType = Literal["lookup", "how_to", "list", "practice_question"]
WHOLE_ITEM_KINDS = frozenset({"question_bank", "mistake_catalog"})
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[*])|\n+|\s+(?=[*-]\s+\S)")
BULLET = re.compile(r"^(?:[*-]\s+)+")
MAX_ITEM_CHARS = 420
KEEP = {"lookup": 2, "how_to": 3, "list": 4, "practice_question": 3}
WEIGHTS = (0.65, 0.25, 0.10)  # cosine, BM25 (pool-normalised), passage rank

PRACTICE = re.compile(r"\b(practi[cs]e|mock|sample|example) (?:question|problem)s?\b|\b(?:give|show|suggest) me (?:a |an |some |\d+ )?"
                      r"(?:question|problem)s?\b|\bquestions? (?:to practi[cs]e|might|could|would|will|do they|they ask)\b", re.I)
LIST = re.compile(r"\b(?:what|which) are (?:the|some)\b|\blist\b|\b(?:name|top|main|common|key) (?:\w+ )?"
                  r"(?:mistakes|principles|signals|steps|tips|values|areas|things)\b|\bwhat (?:mistakes|signals|steps)\b", re.I)
HOW_TO = re.compile(r"^\s*how (?:do|should|can|could|would) (?:i|we|you)\b|\bhow to\b|\bwhat should i\b|\bany tips\b|"
                    r"\bbest way\b|\bprepare\b|\bapproach\b|\bstructure\b|\bimprove\b", re.I)


def question_type(question: str) -> QuestionType:
    """Rule-based type of a coaching question (decides how much evidence an answer needs)."""
    if PRACTICE.search(question):
        return "practice_question"
    if LIST.search(question):
        return "list"
    if HOW_TO.search(question):
        return "how_to"
    return "lookup"


@dataclass(frozen=True)
class EvidenceItem:
    passage: int  # 1-based number of the passage in the sources panel
    index: int  # position of the sentence within its passage's text
    text: str
    score: float = 0.0
    cosine: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.passage}.{self.index}"


def split_passage(hit: Hit) -> list[str]:
    """The citable units of one passage, in order (instruction-like sentences already removed)."""
    text = neutralize(" ".join(sanitize(hit.chunk.text).split()))
    if hit.chunk.kind in WHOLE_ITEM_KINDS:
        return [text if len(text) <= MAX_ITEM_CHARS else text[: MAX_ITEM_CHARS - 1].rsplit(" ", 1)[0] + "…"]
    units = [s.strip() for s in SENTENCE.split(" ".join(hit.chunk.text.split())) if s and s.strip()]
    units = [BULLET.sub("", neutralize(sanitize(u)).strip()) for u in units]
    return [u for u in units if len(tokenize(u)) >= 3 and not u.startswith("[instruction-like")]


def candidates(hits: list[Hit]) -> list[EvidenceItem]:
    return [EvidenceItem(n, i, unit) for n, hit in enumerate(hits, 1) for i, unit in enumerate(split_passage(hit))]


def score(question: str, items: list[EvidenceItem], embed) -> list[EvidenceItem]:
    """Items with ``score`` and ``cosine`` filled, best first. ``embed`` maps texts to unit vectors."""
    if not items:
        return []
    vectors = embed([question, *[it.text for it in items]])
    cos = vectors[1:] @ vectors[0]
    bm = BM25Index([it.text for it in items]).scores(question)  # the candidate pool as the collection
    bm = bm / bm.max() if bm.max() > 0 else bm
    passages = max(it.passage for it in items)
    rank = np.array([1.0 - (it.passage - 1) / max(1, passages) for it in items])
    w_cos, w_bm, w_rank = WEIGHTS
    total = w_cos * cos + w_bm * bm + w_rank * rank
    scored = [EvidenceItem(it.passage, it.index, it.text, float(s), float(c)) for it, s, c in zip(items, total, cos)]
    return sorted(scored, key=lambda it: (-it.score, it.passage, it.index))


def select(question: str, hits: list[Hit], embed, kind: QuestionType | None = None) -> list[EvidenceItem]:
    """The evidence for ``question``: the best items by score, at most two per passage, in passage order."""
    return pick(score(question, candidates(hits), embed), kind or question_type(question))


def pick(ranked: list[EvidenceItem], kind: QuestionType) -> list[EvidenceItem]:
    """From items ranked by :func:`score`: as many as ``kind`` needs, at most two per passage, in passage order."""
    if not ranked:
        return []
    floor = ranked[0].score * 0.6  # far weaker items than the best one are not evidence
    chosen: list[EvidenceItem] = []
    per_passage: dict[int, int] = {}
    for it in ranked:
        if len(chosen) >= KEEP[kind] or it.score < floor:
            break
        if per_passage.get(it.passage, 0) >= 2:
            continue
        chosen.append(it)
        per_passage[it.passage] = per_passage.get(it.passage, 0) + 1
    return sorted(chosen, key=lambda it: (it.passage, it.index))

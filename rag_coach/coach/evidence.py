"""Evidence selection: from the retrieved passages, the few sentences (or bank items / catalog entries)
that answer the question, each with the number of the passage it comes from.

The system picks the evidence, not the model: every candidate sentence gets a few deterministic
features (:data:`UNIT_FEATURES`: embedding cosine to the question, BM25 within the candidate pool,
its passage's retrieval rank, whether it leads its passage, its position, the share of the question's
content words it holds, its length), and a logistic model over them (``evidence.json``, fitted by
``rag-coach eval evidence --write`` on the *fit* half of the labelled coaching questions: label = the
sentence holds one of the question's required facts) gives the probability that it answers. How many
items are kept depends on the question's type (a lookup needs a few sentences, a how-to or a list
more). A question bank item or a catalog mistake is one item: splitting "Fix: ..." from its mistake
would lose what the fix is for.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal


from rag_coach.coach.prompts import neutralize, sanitize
from rag_coach.logistic import Logistic
from rag_coach.retrieval.bm25 import BM25Index, tokenize
from rag_coach.retrieval.retriever import Hit

QuestionType = Literal["lookup", "how_to", "list", "practice_question"]
WHOLE_ITEM_KINDS = frozenset({"question_bank", "mistake_catalog"})
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[*])|\n+|\s+(?=[*-]\s+\S)")
BULLET = re.compile(r"^(?:[*-]\s+)+")
MAX_ITEM_CHARS = 420
KEEP = {"lookup": 4, "how_to": 3, "list": 4, "practice_question": 3}
FLOOR = 0.6  # an item whose probability is under 60 % of the best item's is not evidence
UNIT_FEATURES = ("cosine", "bm25", "rank", "lead", "position", "overlap", "length")

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


@lru_cache(maxsize=1)
def shipped_model() -> Logistic:
    """The fitted unit scorer shipped as ``evidence.json`` (refit with ``rag-coach eval evidence --write``)."""
    return Logistic.from_json(resources.files("rag_coach.coach").joinpath("evidence.json").read_text(encoding="utf-8"))


def unit_features(question: str, items: list[EvidenceItem], embed) -> list[dict[str, float]]:
    """:data:`UNIT_FEATURES` of each item (``embed`` maps texts to unit vectors)."""
    from rag_coach.coach.support import content_words

    if not items:
        return []
    vectors = embed([question, *[it.text for it in items]])
    cos = vectors[1:] @ vectors[0]
    bm = BM25Index([it.text for it in items]).scores(question)  # the candidate pool as the collection
    bm = bm / bm.max() if bm.max() > 0 else bm
    passages = max(it.passage for it in items)
    asked = content_words(question)
    rows = []
    for it, c, b in zip(items, cos, bm):
        rows.append({"cosine": float(c), "bm25": float(b), "rank": 1.0 - (it.passage - 1) / max(1, passages),
                     "lead": 1.0 if it.index == 0 else 0.0, "position": min(it.index, 6) / 6,
                     "overlap": len(asked & content_words(it.text)) / max(1, len(asked)),
                     "length": math.log1p(len(tokenize(it.text)))})
    return rows


def score(question: str, items: list[EvidenceItem], embed, model: Logistic | None = None) -> list[EvidenceItem]:
    """Items with ``score`` (the model's probability that the item answers) and ``cosine`` filled, best first."""
    return rank(items, unit_features(question, items, embed), model or shipped_model())


def rank(items: list[EvidenceItem], features: list[dict[str, float]], model: Logistic | None) -> list[EvidenceItem]:
    """Items scored by ``model`` from their ``features`` (None: by cosine alone), best first."""
    scored = [EvidenceItem(it.passage, it.index, it.text, model.probability(f) if model else f["cosine"], f["cosine"])
              for it, f in zip(items, features)]
    return sorted(scored, key=lambda it: (-it.score, it.passage, it.index))


def select(question: str, hits: list[Hit], embed, kind: QuestionType | None = None) -> list[EvidenceItem]:
    """The evidence for ``question``: the best items by score, at most two per passage, in passage order."""
    return pick(score(question, candidates(hits), embed), kind or question_type(question))


def pick(ranked: list[EvidenceItem], kind: QuestionType) -> list[EvidenceItem]:
    """From items ranked by :func:`score`: as many as ``kind`` needs, at most two per passage, in passage order."""
    if not ranked:
        return []
    floor = ranked[0].score * FLOOR  # far weaker items than the best one are not evidence
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

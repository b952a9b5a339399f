"""Word-level evidence for the relevance check: which question of the round do the answer's *words* fit?

Embeddings of a whole story are close to every behavioral prompt, and a two-sum answer is close to
every array question. Words separate them better: an answer to the rotated-search question says
"rotated" and "pivot", an answer to the conflict question says "disagreed". Two scores per question
of the round, both in [0, 1] and deterministic:

* ``bm25`` — Okapi BM25 (:mod:`rag_coach.retrieval.bm25`, stemmed, stop words dropped) of the answer
  as the query against each question's full bank text (prompt, rubric, hints and follow-ups: more
  words per question than the prompt alone), divided by the round's best score;
* ``terms`` — the share of the question *prompt's* distinct terms the answer uses, each weighted by
  its idf over the round's prompts (a term every prompt shares counts for nothing).

:class:`RelevanceCheck <rag_coach.interview.relevance.RelevanceCheck>` turns each into a margin over
the best other question of the round, like the embedding margin.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from rag_coach.retrieval.bm25 import BM25Index, tokenize

if TYPE_CHECKING:
    from rag_coach.documents.models import Question


def full_text(question: Question) -> str:
    """All the bank's words for one question: prompt, rubric, hints and follow-ups."""
    return " ".join([question.prompt, *question.rubric, *question.hints, *question.follow_ups])


class RoundWords:
    """BM25 over the round's full question texts and idf-weighted prompt terms, built once per round."""

    def __init__(self, questions: list[Question]) -> None:
        self.size = len(questions)
        self.bm25 = BM25Index([full_text(q) for q in questions])
        self.terms = [frozenset(tokenize(q.prompt)) for q in questions]
        df = Counter(term for terms in self.terms for term in terms)
        self.idf = {term: math.log(self.size / count) for term, count in df.items()}
        self._weight = np.array([sum(self.idf[t] for t in terms) for terms in self.terms])

    def bm25_scores(self, answer: str) -> np.ndarray:
        """BM25 of the answer against each question, scaled so the round's best is 1 (all 0 when none match)."""
        scores = self.bm25.scores(answer)
        return scores / max(1e-6, float(scores.max())) if len(scores) else scores

    def term_scores(self, answer: str) -> np.ndarray:
        """Per question: the idf-weighted share of its prompt's terms that the answer uses."""
        used = set(tokenize(answer))
        hit = np.array([sum(self.idf[t] for t in terms & used) for terms in self.terms])
        return hit / np.maximum(1e-6, self._weight) if self.size else np.zeros(0)

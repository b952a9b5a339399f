"""Sparse retrieval with rank-bm25 (Okapi BM25).

rank-bm25 computes the statistics (idf, document lengths, term frequencies); scoring walks an
inverted index built from those same statistics, so only documents containing a query term are
touched. ``scores`` equals ``BM25Okapi.get_scores`` exactly (a test checks it) but stays fast at
100k chunks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

import numpy as np
from rank_bm25 import BM25Okapi

from rag_coach.settings import RetrievalSettings

DEFAULTS = RetrievalSettings()  # k1 and b when no settings are at hand (the coach's evidence pool)

TOKEN = re.compile(r"[a-z0-9]+(?:[+#][a-z0-9+#]*)?")
STOPWORDS = frozenset(
    """a an and are as at be but by can do does for from had has have how i if in into is it its me my of on or
    our should so than that the their them then there these they this to was we were what when where which who
    why will with would you your""".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stem(word)


def tokenize(text: str) -> list[str]:
    return [_stem(t) for t in TOKEN.findall(text.lower()) if t not in STOPWORDS]


class BM25Index:
    def __init__(self, texts: list[str], k1: float = DEFAULTS.bm25_k1, b: float = DEFAULTS.bm25_b) -> None:
        tokenized = [tokenize(t) or ["\x00empty"] for t in texts]
        self.size = len(texts)
        self.model = BM25Okapi(tokenized, k1=k1, b=b) if texts else None
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if self.model is not None:
            docs: dict[str, list[int]] = defaultdict(list)
            freqs: dict[str, list[int]] = defaultdict(list)
            for i, counts in enumerate(self.model.doc_freqs):
                for term, count in counts.items():
                    docs[term].append(i)
                    freqs[term].append(count)
            self._postings = {t: (np.array(docs[t]), np.array(freqs[t], dtype=np.float64)) for t in docs}
            lengths = np.array(self.model.doc_len, dtype=np.float64)
            self._norm = k1 * (1 - b + b * lengths / self.model.avgdl)

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.float64)
        if self.model is None:
            return out
        k1 = self.model.k1
        for term in tokenize(query):
            posting = self._postings.get(term)
            if posting is None:
                continue
            ids, tf = posting
            idf = self.model.idf.get(term) or 0.0
            out[ids] += idf * (tf * (k1 + 1) / (tf + self._norm[ids]))
        return out

    def reference_scores(self, query: str) -> np.ndarray:
        """rank-bm25's own scoring, for checking :meth:`scores`."""
        if self.model is None:
            return np.zeros(0)
        return np.asarray(self.model.get_scores(tokenize(query)))

"""Hybrid retrieval: BM25 (rank-bm25) + dense (Chroma) fused, filtered by company/round/kind."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag_coach.index.chunking import Chunk
from rag_coach.index.embedding import Embedder
from rag_coach.index.store import Generation, IndexDir, IndexError_
from rag_coach.retrieval import fusion
from rag_coach.retrieval.bm25 import BM25Index
from rag_coach.retrieval.filters import Filters
from rag_coach.settings import RetrievalMode, RetrievalSettings, Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    chunk: Chunk
    bm25_score: float | None = None
    dense_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        source: dict[str, Any] = {"path": c.source}
        if c.page is not None:
            source["page"] = c.page
        data: dict[str, Any] = {
            "rank": self.rank,
            "score": round(self.score, 6),
            "chunk_id": c.chunk_id,
            "doc_id": c.doc_id,
            "section_id": c.section_id,
            "title": c.title,
            "section": c.section,
            "company": c.company,
            "round": c.round,
            "kind": c.kind,
            "confidence": c.confidence,
            "source": source,
            "text": c.text,
            "scores": {"bm25": self.bm25_score, "dense": self.dense_score},
        }
        if c.question_id:
            data["question_id"] = c.question_id
        if c.mistake_id:
            data["mistake_id"] = c.mistake_id
        return data


class Retriever:
    """Holds one index generation in memory (chunks + BM25) and its Chroma collection."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, generation: Generation | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or Embedder(settings.embedding_model, settings.embedding_batch_size)
        started = time.perf_counter()
        self.generation = generation or IndexDir(settings.index_dir, settings.chroma_url).require_current()
        self.generation.manifest().require_model(settings.embedding_model, settings.index_dir)
        self.chunks: list[Chunk] = self.generation.load_chunks()
        self._position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        retrieval = settings.retrieval
        self.bm25 = BM25Index([c.embed_text() for c in self.chunks], k1=retrieval.bm25_k1, b=retrieval.bm25_b)
        self._companies = np.array([c.company for c in self.chunks], dtype=object)
        self._rounds = np.array([c.round for c in self.chunks], dtype=object)
        self._kinds = np.array([c.kind for c in self.chunks], dtype=object)
        self._masks: dict[Filters, np.ndarray] = {}
        self._collection = self.generation.collection()
        log.info("loaded %d chunks in %.2fs", len(self.chunks), time.perf_counter() - started)

    def close(self) -> None:
        self.generation.close()

    def _mask(self, filters: Filters) -> np.ndarray:
        if filters not in self._masks:
            mask = np.ones(len(self.chunks), dtype=bool)
            if (companies := filters.companies()) is not None:
                mask &= np.isin(self._companies, companies)
            if (rounds := filters.rounds()) is not None:
                mask &= np.isin(self._rounds, rounds)
            if filters.kind:
                mask &= self._kinds == filters.kind
            self._masks[filters] = mask
        return self._masks[filters]

    def _bm25(self, query: str, filters: Filters, depth: int) -> tuple[list[tuple[int, float]], np.ndarray]:
        scores = self.bm25.scores(query)
        scores = np.where(self._mask(filters), scores, -np.inf)
        depth = min(depth, len(scores))
        if depth == 0:
            return [], scores
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0], scores

    def _dense(self, vector: np.ndarray, filters: Filters, depth: int) -> list[tuple[int, float]]:
        allowed = int(self._mask(filters).sum())
        if allowed == 0:
            return []
        result = self._collection.query(
            query_embeddings=[vector.tolist()],
            n_results=min(depth, allowed),
            where=filters.chroma_where(),
            include=["distances"],
        )
        ranked = []
        for cid, distance in zip(result["ids"][0], result["distances"][0]):
            idx = self._position.get(cid)
            if idx is not None and filters.admits(self.chunks[idx]):  # belt and braces: never leak
                ranked.append((idx, 1.0 - float(distance)))
        return ranked

    def _stored(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The vectors Chroma holds for ``chunk_ids`` (ids it lacks are absent)."""
        if not chunk_ids:
            return {}
        got = self._collection.get(ids=list(chunk_ids), include=["embeddings"])
        return {cid: np.asarray(emb, dtype=np.float32) for cid, emb in zip(got["ids"], got["embeddings"])}

    def embeddings(self, chunk_ids: Sequence[str]) -> np.ndarray:
        """The stored (normalised) vectors of ``chunk_ids``, row i for ``chunk_ids[i]``.

        :class:`IndexError_` if an id has no vector in this generation."""
        stored = self._stored(chunk_ids)
        missing = [cid for cid in chunk_ids if cid not in stored]
        if missing:
            raise IndexError_(f"no stored vector for {len(missing)} chunk(s), e.g. {missing[0]}: run `rag-coach ingest --rebuild`")
        if not chunk_ids:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([stored[cid] for cid in chunk_ids])

    def _dense_scores_for(self, vector: np.ndarray, indices: list[int]) -> dict[int, float]:
        stored = self._stored([self.chunks[i].chunk_id for i in indices])
        return {self._position[cid]: float(np.dot(emb, vector)) for cid, emb in stored.items()}

    def retrieve(
        self,
        query: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        mode: RetrievalMode | None = None,
        params: RetrievalSettings | None = None,
    ) -> list[Hit]:
        params = params or self.settings.retrieval
        filters = filters or Filters()
        top_k = top_k or params.top_k
        mode = mode or params.mode
        if not query.strip() or not self.chunks:
            return []
        depth = max(params.candidates, top_k)
        if mode == "bm25":
            ranked, _ = self._bm25(query, filters, top_k)
            return [Hit(r, s, self.chunks[i], bm25_score=s) for r, (i, s) in enumerate(ranked, start=1)]
        vector = self.embedder.embed_query(query)
        if mode == "dense":
            ranked = self._dense(vector, filters, top_k)
            return [Hit(r, s, self.chunks[i], dense_score=s) for r, (i, s) in enumerate(ranked, start=1)]
        sparse, all_bm25 = self._bm25(query, filters, depth)
        dense = self._dense(vector, filters, depth)
        dense_scores = dict(dense)
        if params.fusion == "rrf":
            fused = fusion.rrf(sparse, dense, params.dense_weight, params.rrf_k)
        else:
            missing = [i for i, _ in sparse if i not in dense_scores]
            dense_scores.update(self._dense_scores_for(vector, missing))
            bm25_scores = {i: max(float(all_bm25[i]), 0.0) for i in set(dict(sparse)) | set(dense_scores)}
            fused = fusion.weighted(bm25_scores, dense_scores, params.dense_weight)
        order = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
        return [
            Hit(r, s, self.chunks[i], bm25_score=max(float(all_bm25[i]), 0.0), dense_score=dense_scores.get(i))
            for r, (i, s) in enumerate(order, start=1)
        ]

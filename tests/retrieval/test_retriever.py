"""Retrieval over a real index: modes, filters (no cross-company leak), BM25 exactness.

Every test here only reads the index, so they share one ingest of the small test corpus (``mini_index_settings``)."""

from __future__ import annotations

import numpy as np
import pytest

from rag_coach.index.errors import IndexError_
from rag_coach.retrieval.bm25 import BM25Index, tokenize
from rag_coach.retrieval.filters import Filters
from rag_coach.retrieval.retriever import Retriever
from rag_coach.settings import Settings, updated

QUERIES = [
    "who can veto the hire",
    "hiring committee decision",
    "googleyness ambiguity",
    "frugality story budget",
    "reverse a linked list",
    "empty list null pointer",
    "practise with a timer",
    "clarify input sizes before coding",
]


@pytest.fixture(scope="module")
def retriever(mini_index_settings: Settings, embedder):
    r = Retriever(mini_index_settings, embedder=embedder)
    yield r
    r.close()


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_company_filter_never_leaks_another_company(retriever: Retriever, mode: str) -> None:
    for query in QUERIES:
        for company in ("amazon", "google"):
            hits = retriever.retrieve(query, Filters(company=company), top_k=20, mode=mode)
            if mode != "bm25":  # BM25 rightly returns nothing when no query term occurs
                assert hits, (query, company, mode)
            assert {h.chunk.company for h in hits} <= {company, "general"}, (query, company, mode)


def test_round_and_kind_filters(retriever: Retriever) -> None:
    hits = retriever.retrieve("tell me about a tight budget", Filters("amazon", "behavioral"), top_k=20)
    assert {h.chunk.round for h in hits} <= {"behavioral", "all"}
    assert "q.amazon.coding.reverse_shipments" not in {h.chunk.question_id for h in hits}
    hits = retriever.retrieve("linked list", Filters(kind="question_bank"), top_k=20)
    assert hits and {h.chunk.kind for h in hits} == {"question_bank"}


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_each_mode_finds_the_obvious_answer(retriever: Retriever, mode: str) -> None:
    hits = retriever.retrieve("bar raiser veto", Filters(company="amazon"), top_k=3, mode=mode)
    assert hits[0].chunk.section == "Bar Raiser"
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


def test_paraphrase_is_found_by_dense_and_hybrid(retriever: Retriever) -> None:
    query = "the interviewer from a different org who can block my offer"
    for mode in ("dense", "hybrid"):
        top = retriever.retrieve(query, Filters(company="amazon"), top_k=2, mode=mode)
        assert "Bar Raiser" in [h.chunk.section for h in top], mode


def test_fast_bm25_equals_rank_bm25() -> None:
    texts = ["the bar raiser can veto", "binary search on sorted arrays", "veto veto power", "", "sorted sorted sorted list"]
    index = BM25Index(texts)
    for query in ["veto", "sorted binary search", "nothing matches", "veto sorted veto"]:
        assert np.allclose(index.scores(query), index.reference_scores(query))
    assert tokenize("Running C++ and C# interviews") == ["run", "c++", "c#", "interview"]


def test_hit_contract_fields(retriever: Retriever) -> None:
    hit = retriever.retrieve("frugality budget", Filters("amazon", "behavioral"), top_k=5)
    data = next(h.to_dict() for h in hit if h.chunk.question_id)
    for field in ("rank", "score", "chunk_id", "doc_id", "title", "section", "company", "round", "kind", "source", "text"):
        assert field in data
    assert data["question_id"] == "q.amazon.behavioral.tight_budget"
    assert data["source"] == {"path": "questions/amazon.yaml"}


def test_rrf_fusion_formula() -> None:
    from rag_coach.retrieval import fusion

    fused = fusion.rrf([(1, 9.0), (2, 5.0)], [(2, 0.9), (3, 0.8)], dense_weight=0.5, k=60)
    assert fused[2] == pytest.approx(0.5 / 62 + 0.5 / 61)  # rank 2 in BM25, rank 1 in dense
    assert fused[1] == pytest.approx(0.5 / 61) and fused[3] == pytest.approx(0.5 / 62)
    assert max(fused, key=fused.get) == 2  # found by both rankers beats either alone


def test_rrf_option_through_the_retriever(retriever: Retriever) -> None:
    rrf = retriever.settings.retrieval.model_copy(update={"fusion": "rrf"})
    for query in QUERIES:
        hits = retriever.retrieve(query, Filters(company="amazon"), top_k=5, params=rrf)
        assert hits and [h.rank for h in hits] == list(range(1, len(hits) + 1))
        assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
        assert {h.chunk.company for h in hits} <= {"amazon", "general"}
    veto = retriever.retrieve("who can veto the hire", Filters(company="amazon"), top_k=1, params=rrf)
    assert veto[0].chunk.section == "Bar Raiser"


def test_bm25_parameters_come_from_the_settings(mini_index_settings: Settings, embedder) -> None:
    settings = mini_index_settings
    flat = updated(settings, retrieval={"bm25_k1": 0.9, "bm25_b": 0.0})
    default, tuned = Retriever(settings, embedder=embedder), Retriever(flat, embedder=embedder)
    try:
        assert (default.bm25.model.k1, default.bm25.model.b) == (1.5, 0.75)
        assert (tuned.bm25.model.k1, tuned.bm25.model.b) == (0.9, 0.0)
        query = "hiring committee decision"
        assert np.allclose(tuned.bm25.scores(query), tuned.bm25.reference_scores(query))
        assert not np.allclose(tuned.bm25.scores(query), default.bm25.scores(query))
    finally:
        default.close()
        tuned.close()


def test_stored_embeddings_in_the_asked_order(retriever: Retriever, embedder) -> None:
    ids = [c.chunk_id for c in retriever.chunks]
    vectors = retriever.embeddings(ids)
    assert vectors.shape == (len(ids), 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert np.allclose(retriever.embeddings(ids[::-1]), vectors[::-1])
    first = retriever.chunks[0]
    assert float(vectors[0] @ embedder.embed_documents([first.embed_text()])[0]) > 0.999  # the chunk's own vector
    assert retriever.embeddings([]).shape[0] == 0
    with pytest.raises(IndexError_, match="no stored vector"):
        retriever.embeddings([ids[0], "no-such-chunk"])

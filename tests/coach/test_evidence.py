"""Evidence selection with the real embedding model: the sentence that answers is picked, with its passage."""

from __future__ import annotations

import pytest

from rag_coach.coach.evidence import KEEP, question_type, select, split_passage
from rag_coach.index.chunking import Chunk
from rag_coach.retrieval.retriever import Hit


def hit(rank: int, text: str, kind: str = "company_guide") -> Hit:
    chunk = Chunk(chunk_id=f"c{rank}", doc_id="d", section_id=f"s{rank}", title="T", section="S", company="amazon",
                  round="all", kind=kind, confidence="official", source="companies/amazon.md", text=text)
    return Hit(rank=rank, score=1.0, chunk=chunk, dense_score=0.5)


PASSAGES = [
    hit(1, "The loop has five interviews. A Bar Raiser is an interviewer from outside the hiring team. "
           "The Bar Raiser can veto the hire even if the hiring manager wants you."),
    hit(2, "Frugality means accomplishing more with less. Constraints breed resourcefulness."),
    hit(3, "Forgets the empty list. Spot: dereferences head.next. Fix: handle head is None first.", kind="mistake_catalog"),
]


@pytest.mark.parametrize(("question", "kind"), [
    ("Who is the Bar Raiser?", "lookup"),
    ("How should I prepare my stories?", "how_to"),
    ("What are the most common mistakes in linked list problems?", "list"),
    ("Give me a practice question about graphs", "practice_question"),
])
def test_question_types(question: str, kind: str) -> None:
    assert question_type(question) == kind


def test_a_catalog_entry_is_one_item_and_a_guide_is_split_into_sentences() -> None:
    assert len(split_passage(PASSAGES[2])) == 1
    assert split_passage(PASSAGES[0])[2] == "The Bar Raiser can veto the hire even if the hiring manager wants you."


def test_the_answering_sentence_is_selected_with_its_passage(embedder) -> None:
    chosen = select("Can the Bar Raiser veto my hire?", PASSAGES, embedder.embed_documents)
    assert 1 <= len(chosen) <= KEEP["lookup"]
    assert chosen[0].passage == 1 and "veto the hire" in " ".join(c.text for c in chosen)
    assert all("Frugality" not in c.text for c in chosen)


def test_more_evidence_for_a_list_question_at_most_two_per_passage(embedder) -> None:
    chosen = select("What are the key things about the Amazon loop, frugality and linked lists?", PASSAGES,
                    embedder.embed_documents, "list")
    per_passage = [c.passage for c in chosen]
    assert len(chosen) <= KEEP["list"] and all(per_passage.count(p) <= 2 for p in per_passage)
    assert per_passage == sorted(per_passage)  # shown in passage order


def test_shipped_scorer_is_fitted_and_ranks_the_answering_sentence_first(embedder) -> None:
    from rag_coach.coach.evidence import UNIT_FEATURES, candidates, score, shipped_model

    model = shipped_model()
    assert model.features == UNIT_FEATURES and model.fitted_on  # fitted by `rag-coach eval evidence --write`
    ranked = score("Can the Bar Raiser veto my hire?", candidates(PASSAGES), embedder.embed_documents)
    assert ranked[0].text == "The Bar Raiser can veto the hire even if the hiring manager wants you."
    assert all(0.0 <= it.score <= 1.0 for it in ranked)
    assert [it.score for it in ranked] == sorted((it.score for it in ranked), reverse=True)


def test_evidence_recall_on_the_held_out_half(shipped_settings, embedder) -> None:
    """The scorer was fitted on the fit half only; on the report half the picked evidence must hold the facts
    (measured 0.722 with the shipped KEEP and FLOOR when evidence.json was fitted; cosine-only ranking gives less)."""
    from rag_coach.evaluation.evidence_eval import evaluate_evidence
    from rag_coach.services import Services

    services = Services(shipped_settings, embedder_override=embedder)
    report = evaluate_evidence(services.coach)["report"]
    assert report["recall_shipped"] >= 0.66 and report["recall_shipped"] > report["recall_cosine_only"], report
    services.retriever.close()

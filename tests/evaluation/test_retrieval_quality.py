"""The corpus issue's quality bar on the shipped corpus and labelled set (real index, all three modes)."""

from __future__ import annotations

import json

import pytest

from rag_coach.evaluation.retrieval_eval import default_query_set, evaluate_labelled, load_labelled
from rag_coach.index.store import IndexDir

pytestmark = pytest.mark.slow


def test_labelled_set_is_well_formed(shipped_settings) -> None:
    rows = load_labelled(default_query_set())
    assert len(rows) >= 150 and len({r["id"] for r in rows}) == len(rows)
    gen = IndexDir(shipped_settings.index_dir).require_current()
    sections = {c.section_id: c for c in gen.load_chunks()}
    for row in rows:
        for sid in row["relevant"]:
            assert sid in sections, (row["id"], sid)
            chunk = sections[sid]
            if row.get("company"):
                assert chunk.company in (row["company"], "general"), row["id"]


def test_hybrid_meets_the_bar_and_beats_each_ranker(shipped_settings) -> None:
    result = evaluate_labelled(shipped_settings)
    modes = result["modes"]
    print(json.dumps(modes, indent=1))
    assert modes["hybrid"]["hit@5"] >= 0.90 and modes["hybrid"]["mrr@10"] >= 0.75
    for metric in ("hit@5", "mrr@10", "ndcg@10"):
        assert modes["hybrid"][metric] >= max(modes["bm25"][metric], modes["dense"][metric]), metric

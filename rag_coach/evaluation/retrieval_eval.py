"""`rag-coach eval retrieval`: hit@5, MRR@10, nDCG@10, recall@5 for bm25, dense and hybrid."""

from __future__ import annotations

import csv
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from rag_coach.evaluation.metrics import mean_scores, score_query
from rag_coach.index.chunking import Chunk
from rag_coach.jsonl import read_jsonl
from rag_coach.retrieval.filters import Filters
from rag_coach.retrieval.retriever import Retriever
from rag_coach.settings import RETRIEVAL_MODES, Settings

DEFAULT_SET = "retrieval_queries.jsonl"


def default_query_set() -> Path:
    return Path(str(resources.files("rag_coach.evaluation") / "sets" / DEFAULT_SET))


def load_labelled(path: Path) -> list[dict[str, Any]]:
    rows = read_jsonl(path)
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not row.get("query") or not row.get("relevant"):
            raise ValueError(f"{path}: row {number}: each row needs 'query' and a non-empty 'relevant' list")
    return rows


def run_queries(retriever: Retriever, rows: list[dict[str, Any]], modes=RETRIEVAL_MODES, key: str = "section_id", params=None) -> dict[str, Any]:
    """Score every row in every mode. ``key`` is the hit field compared with the labels."""
    out: dict[str, Any] = {"queries": len(rows), "modes": {}}
    for mode in modes:
        scores = []
        for row in rows:
            filters = Filters(row.get("company"), row.get("round"), row.get("kind"))
            hits = retriever.retrieve(row["query"], filters, top_k=10, mode=mode, params=params)
            ranked = [getattr(h.chunk, key) for h in hits]
            scores.append(score_query(ranked, set(row["relevant"])))
        out["modes"][mode] = mean_scores(scores)
    return out


def evaluate_labelled(settings: Settings, queries: str | Path | None = None) -> dict[str, Any]:
    path = Path(queries) if queries else default_query_set()
    rows = load_labelled(path)
    retriever = Retriever(settings)
    try:
        result = run_queries(retriever, rows)
    finally:
        retriever.close()
    result["set"] = str(path)
    return result


def load_beir(folder: Path, split: str = "test") -> tuple[list[Chunk], list[dict[str, Any]]]:
    """Read a BEIR collection: corpus.jsonl, queries.jsonl, qrels/<split>.tsv (header line, score > 0 is relevant)."""
    folder = Path(folder)
    for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} is missing; a BEIR folder needs corpus.jsonl, queries.jsonl and qrels/{split}.tsv")
    chunks = [
        Chunk(chunk_id=str(doc["_id"]), doc_id=str(doc["_id"]), section_id=str(doc["_id"]), title=doc.get("title") or "",
              section="", company="general", round="all", kind="beir", source="corpus.jsonl", text=doc.get("text") or "")
        for doc in read_jsonl(folder / "corpus.jsonl")
    ]
    relevant: dict[str, set[str]] = {}
    with (folder / f"qrels/{split}.tsv").open(encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        for row in reader:
            if len(row) < 3 or row[0] == "query-id":
                continue
            if float(row[2]) > 0:
                relevant.setdefault(row[0], set()).add(row[1])
    queries = [{"id": str(q["_id"]), "query": q["text"], "relevant": sorted(relevant[str(q["_id"])])}
               for q in read_jsonl(folder / "queries.jsonl") if str(q["_id"]) in relevant]
    return chunks, queries


def evaluate_beir(settings: Settings, folder: Path) -> dict[str, Any]:
    from rag_coach.index.ingest import build_from_chunks

    chunks, rows = load_beir(folder)
    with tempfile.TemporaryDirectory(prefix="rag_coach_beir_") as tmp:
        beir_settings = settings.model_copy(update={"index_dir": Path(tmp)})
        generation = build_from_chunks(beir_settings, chunks)
        retriever = Retriever(beir_settings, generation=generation)
        try:
            result = run_queries(retriever, rows, key="doc_id")
        finally:
            retriever.close()
    result["set"] = str(folder)
    return result


def format_report(result: dict[str, Any]) -> str:
    modes = result["modes"]
    metrics = list(next(iter(modes.values())).keys()) if modes else []
    lines = [f"{result['queries']} queries from {result.get('set', '?')}", "mode    " + "  ".join(f"{m:>9}" for m in metrics)]
    for mode, values in modes.items():
        lines.append(f"{mode:<8}" + "  ".join(f"{values[m]:>9.3f}" for m in metrics))
    return "\n".join(lines)

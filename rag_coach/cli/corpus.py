"""`rag-coach validate`, `ingest`, `retrieve` and `stats`: the corpus and its index."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rag_coach.cli.common import EXIT_ERROR, EXIT_OK, EXIT_SKIPPED, _common, _emit, _settings, log
from rag_coach.settings import RETRIEVAL_MODES


def cmd_validate(args: argparse.Namespace) -> int:
    from rag_coach.documents.loader import cross_check, load_corpus
    from rag_coach.documents.registry import load_registry

    settings = _settings(args)
    registry = load_registry(settings.corpus_dir)
    docs, problems = load_corpus(settings.corpus_dir, registry, settings.max_file_bytes)
    problems += cross_check(docs)
    questions = sum(len(d.questions) for d in docs)
    mistakes = sum(len(d.mistakes) for d in docs)
    data = {"documents": len(docs), "questions": questions, "mistakes": mistakes, "problems": [str(p) for p in problems]}
    lines = [f"error: {p}" for p in problems]
    lines.append(f"{len(docs)} documents valid ({questions} questions, {mistakes} mistakes); {len(problems)} problems")
    _emit(args, data, "\n".join(lines))
    return EXIT_ERROR if problems else EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag_coach.index.ingest import ingest

    settings = _settings(args)

    def progress(done: int, total: int) -> None:
        log.info("embedded %d/%d chunks", done, total)

    report = ingest(settings, rebuild=args.rebuild, progress=progress)
    for failure in report.failed:
        print(f"skipped: {failure['file']}: {failure['reason']}", file=sys.stderr)
    _emit(args, report.to_dict(), report.summary())
    return EXIT_SKIPPED if report.failed else EXIT_OK


def _filters(item: dict[str, Any]):
    from rag_coach.retrieval.filters import Filters

    return Filters(company=item.get("company"), round=item.get("round"), kind=item.get("kind"))


def cmd_retrieve(args: argparse.Namespace) -> int:
    from rag_coach.jsonl import read_jsonl
    from rag_coach.retrieval.retriever import Retriever

    settings = _settings(args)
    retriever = Retriever(settings)
    if args.queries:
        for item in read_jsonl(args.queries):
            hits = retriever.retrieve(item["query"], _filters(item), item.get("top_k") or args.top_k, args.mode)
            print(json.dumps({"query": item["query"], "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
        return EXIT_OK
    if not args.query:
        print("error: give a QUERY or --queries FILE.jsonl", file=sys.stderr)
        return 2
    item = {"company": args.company, "round": args.round, "kind": args.kind}
    hits = retriever.retrieve(args.query, _filters(item), args.top_k, args.mode)
    text = "\n\n".join(
        f"[{h.rank}] {h.score:.3f} {h.chunk.title} > {h.chunk.section} ({h.chunk.company}, {h.chunk.round}, "
        f"{h.chunk.source})\n{h.chunk.text[:300]}"
        for h in hits
    ) or "no results"
    _emit(args, [h.to_dict() for h in hits], text)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from rag_coach.index.stats import index_stats

    data = index_stats(_settings(args))
    text = "\n".join(f"{k}: {v}" for k, v in data.items())
    _emit(args, data, text)
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """validate, ingest, retrieve, stats."""
    p = sub.add_parser("validate", help="check every corpus file without touching the index")
    _common(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("ingest", help="index the corpus (incremental)")
    _common(p)
    p.add_argument("--rebuild", action="store_true", help="re-embed everything into a fresh index")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("retrieve", help="search the index")
    _common(p)
    p.add_argument("query", nargs="?")
    p.add_argument("--queries", help="JSONL file of {query, company, round, kind, top_k}")
    p.add_argument("--company")
    p.add_argument("--round")
    p.add_argument("--kind")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--mode", choices=RETRIEVAL_MODES)
    p.set_defaults(func=cmd_retrieve)

    p = sub.add_parser("stats", help="counts of documents, chunks, questions, mistakes")
    _common(p)
    p.set_defaults(func=cmd_stats)


__all__ = ["add_parsers", "cmd_ingest", "cmd_retrieve", "cmd_stats", "cmd_validate"]

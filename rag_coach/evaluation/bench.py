"""`rag-coach bench retrieval`: ingest throughput, cold start, query latency per mode, memory.

Figures are medians over ``runs`` repeats. Synthetic corpora (10k, 100k chunks) recombine sentences
of the shipped corpus and reuse its real embeddings with small noise, so latency is measured at
scale without hours of embedding on 2 cores; ingest throughput is measured on the real corpus.
"""

from __future__ import annotations

import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag_coach.evaluation.retrieval_eval import default_query_set, load_labelled
from rag_coach.index.chunking import Chunk
from rag_coach.index.embedding import Embedder
from rag_coach.index.ingest import build_from_chunks, ingest
from rag_coach.retrieval.filters import Filters
from rag_coach.retrieval.retriever import Retriever
from rag_coach.settings import RETRIEVAL_MODES, Settings
from rag_coach.stats import percentiles

COLD_START = (
    "import time,sys; t=time.perf_counter(); from rag_coach.settings import Settings; "
    "from rag_coach.retrieval.retriever import Retriever; r=Retriever(Settings.model_validate_json(sys.argv[1])); "
    "r.retrieve('how does the bar raiser work'); print(time.perf_counter()-t)"
)


def _latencies(retriever: Retriever, rows: list[dict[str, Any]], runs: int) -> dict[str, dict[str, float]]:
    out = {}
    for mode in RETRIEVAL_MODES:
        samples = []
        for _ in range(runs):
            for row in rows:
                started = time.perf_counter()
                retriever.retrieve(row["query"], Filters(row.get("company"), row.get("round")), top_k=5, mode=mode)
                samples.append((time.perf_counter() - started) * 1000)
        out[mode] = {**percentiles(samples, suffix="_ms"), "n": len(samples)}
    return out


def synthetic_chunks(base: list[Chunk], vectors: np.ndarray, size: int, seed: int = 7) -> tuple[list[Chunk], np.ndarray]:
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    sentences = [s for c in base for s in c.text.split(". ") if len(s) > 20]
    companies = sorted({c.company for c in base})
    rounds = sorted({c.round for c in base})
    chunks, rows = [], []
    for i in range(size):
        j = rng.randrange(len(base))
        text = ". ".join(rng.sample(sentences, 4))
        chunks.append(Chunk(chunk_id=f"syn{i:07d}", doc_id=f"syn/{i // 50}", section_id=f"syn/{i // 50}#{i}",
                            title=base[j].title, section=base[j].section, company=rng.choice(companies),
                            round=rng.choice(rounds), kind=base[j].kind, source="synthetic", text=text))
        rows.append(j)
    noisy = vectors[rows] + nrng.normal(0, 0.02, size=(size, vectors.shape[1])).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return chunks, noisy


def bench_retrieval(settings: Settings, sizes: list[int] | None = None, runs: int = 5) -> dict[str, Any]:
    rows = load_labelled(default_query_set())[:40]
    report: dict[str, Any] = {"runs": runs, "queries_per_run": len(rows)}
    embedder = Embedder(settings.embedding_model, settings.embedding_batch_size)
    with tempfile.TemporaryDirectory(prefix="rag_coach_bench_") as tmp:
        tmp_path = Path(tmp)
        s = settings.model_copy(update={"index_dir": tmp_path / "index", "corpus_dir": tmp_path / "corpus"})
        shutil.copytree(settings.corpus_dir, s.corpus_dir)
        result = ingest(s, embedder=embedder)
        report["ingest"] = {"chunks": result.chunks, "seconds": round(result.seconds, 1),
                            "chunks_per_s": round(result.chunks / result.seconds, 1)}
        edits = []
        target = sorted(s.corpus_dir.glob("companies/*.md"))[0]
        for i in range(runs):
            with target.open("a", encoding="utf-8") as fh:
                fh.write(f"\n\nBenchmark edit {i}: one more paragraph to re-embed.\n")
            edits.append(ingest(s, embedder=embedder).seconds)
        report["reingest_one_file_s"] = {"median": round(statistics.median(edits), 2), "file": target.name}
        colds = [float(subprocess.run([sys.executable, "-c", COLD_START, s.model_dump_json()], capture_output=True,
                                      text=True, check=True).stdout.strip()) for _ in range(min(runs, 3))]
        report["cold_start_s"] = {"median": round(statistics.median(colds), 2), "runs": len(colds)}
        retriever = Retriever(s, embedder=embedder)
        base = retriever.chunks
        report["latency"] = {"shipped": {"chunks": len(base), **_latencies(retriever, rows, runs)}}
        vectors = retriever.embeddings([c.chunk_id for c in base])
        retriever.close()
        for size in sizes or []:
            syn_chunks, syn_vectors = synthetic_chunks(base, vectors, size)
            syn = settings.model_copy(update={"index_dir": tmp_path / f"syn{size}"})
            started = time.perf_counter()
            gen = build_from_chunks(syn, syn_chunks, embedder, vectors=syn_vectors)
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            r = Retriever(syn, embedder=embedder, generation=gen)
            load_s = time.perf_counter() - started
            report["latency"][f"synthetic_{size}"] = {"chunks": size, "build_s": round(build_s, 1),
                                                      "load_s": round(load_s, 2), **_latencies(r, rows, max(1, runs // 2))}
            r.close()
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["text"] = format_bench(report)
    return report


def format_bench(r: dict[str, Any]) -> str:
    lines = [
        f"ingest (shipped corpus): {r['ingest']['chunks']} chunks in {r['ingest']['seconds']}s = {r['ingest']['chunks_per_s']} chunks/s",
        f"re-ingest after editing one file: median {r['reingest_one_file_s']['median']}s over {r['runs']} runs",
        f"cold start to first query: median {r['cold_start_s']['median']}s over {r['cold_start_s']['runs']} runs",
        "query latency (ms):  corpus            chunks   mode     p50     p95",
    ]
    for name, block in r["latency"].items():
        for mode in RETRIEVAL_MODES:
            lines.append(f"                     {name:<17} {block['chunks']:>6}   {mode:<7} {block[mode]['p50_ms']:>6} {block[mode]['p95_ms']:>7}")
    lines.append(f"peak memory (RSS): {r['peak_rss_mb']} MB")
    return "\n".join(lines)

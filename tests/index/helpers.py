"""Shared helpers for the index tests: a real ingest in a subprocess, index state, retrieval snapshots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from rag_coach.documents.loader import discover, load_document
from rag_coach.documents.registry import load_registry
from rag_coach.index.chunking import Chunk, chunk_document
from rag_coach.index.embedding import Embedder
from rag_coach.index.store import IndexDir
from rag_coach.retrieval.filters import Filters
from rag_coach.retrieval.retriever import Retriever
from rag_coach.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("ingest_driver.py")

QUERIES = [
    ("who can veto a hire", Filters(company="amazon", round="behavioral")),
    ("googleyness and ambiguity", Filters(company="google")),
    ("empty linked list null pointer", Filters(round="coding")),
    ("practise under a timer", Filters()),
    ("streaming culture of freedom and responsibility", Filters()),
]
MODES = ("bm25", "dense", "hybrid")
# Labelled queries over the changed corpus (query, filters, section that must be in the top 3 in every mode).
LABELLED = [
    ("who can veto a hire", Filters(company="amazon"), "Bar Raiser"),
    ("fix failing tests in an unfamiliar codebase", Filters(company="stripe"), "Bug squash"),
    ("freedom and responsibility culture", Filters(company="netflix"), "Culture memo"),
    ("is lunch with a future peer scored", Filters(company="google"), "Onsite logistics"),
]

EXTRA_DOCS = {
    "companies/netflix.md": ("netflix", "Netflix test guide", {
        "Culture memo": "Netflix describes freedom and responsibility: context, not control, and candour in feedback.",
        "Keeper test": "Managers ask whether they would fight to keep each person; interviews probe judgement.",
        "Streaming scale": "System design questions often cover video delivery, caching at the edge and encoding ladders.",
    }),
    "companies/stripe.md": ("stripe", "Stripe test guide", {
        "Bug squash": "Stripe runs a debugging round where you fix failing tests in an unfamiliar codebase.",
        "Integration round": "You call a small HTTP API, parse JSON and handle pagination and errors carefully.",
        "Writing culture": "Clear written reasoning matters; expect to explain trade-offs in plain words.",
    }),
    "companies/meta.md": ("meta", "Meta test guide", {
        "Pirate ship": "Meta's coding rounds ask two medium problems in forty-five minutes; speed and accuracy both count.",
        "Jedi round": "The behavioural round looks at conflict, growth and driving results without authority.",
        "Product sense": "Product rounds ask you to improve an app's engagement with metrics and experiments.",
    }),
}


class MemoEmbedder:
    """Plumbing around the real :class:`Embedder`: every distinct text goes through the real model once and its
    vector is reused afterwards (with 2 busy cores one query embedding can take a second)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.batch_size = inner.batch_size
        self._vectors: dict[str, np.ndarray] = {}

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in self._vectors})
        if missing:
            self._vectors.update(zip(missing, self.inner.embed_documents(missing)))
        if not texts:
            return self.inner.embed_documents(texts)
        return np.stack([self._vectors[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        key = "\x00query\x00" + text  # queries and documents are embedded the same way today, but keep them apart
        if key not in self._vectors:
            self._vectors[key] = self.inner.embed_query(text)
        return self._vectors[key]

    @property
    def dimension(self) -> int:
        return len(self.embed_query("dimension probe"))


def doc_text(company: str, title: str, sections: dict[str, str]) -> str:
    body = "".join(f"\n## {name}\nConfidence: inferred\n\n{text}\n" for name, text in sections.items())
    return (
        f"---\ncompany: {company}\nround: all\nkind: company_guide\ntitle: {title}\nsources: [Our own advice]\n"
        f"last_reviewed: 2026-11-01\n---\n# {title}\n{body}"
    )


def change_corpus(corpus: Path) -> None:
    """Add three documents, update one, delete one: an ingest then adds, updates and removes vectors."""
    for rel, (company, title, sections) in EXTRA_DOCS.items():
        (corpus / rel).write_text(doc_text(company, title, sections))
    google = corpus / "companies/google.md"
    extra = "\n## Onsite logistics\nConfidence: inferred\n\nLunch with a future peer is not scored.\n"
    google.write_text(google.read_text() + extra)
    (corpus / "practice.txt").unlink()
    (corpus / "practice.meta.yaml").unlink()


def corpus_chunks(settings: Settings) -> list[Chunk]:
    """The chunks of the corpus from the production loader and chunker."""
    registry = load_registry(settings.corpus_dir)
    sources, problems = discover(settings.corpus_dir)
    assert not problems, problems
    docs = [load_document(s, registry, settings.max_file_bytes) for s in sources]
    return [c for d in docs for c in chunk_document(d, settings.chunking)]


def expected_chunk_ids(settings: Settings) -> list[str]:
    """The chunk ids a clean ingest of the corpus must hold (sorted)."""
    return sorted(c.chunk_id for c in corpus_chunks(settings))


def save_vectors(path: Path, settings: Settings, embedder: Embedder) -> Path:
    """The real model's vectors for every chunk of the corpus, for the driver to replay in killed runs."""
    texts = sorted({c.embed_text() for c in corpus_chunks(settings)})
    np.savez(path, texts=np.array(texts), vectors=embedder.embed_documents(texts))
    return path


def index_state(settings: Settings) -> tuple[list[str], list[str]]:
    """(sorted chunk ids in chunks.jsonl, sorted ids in the Chroma collection) of the live generation."""
    gen = IndexDir(settings.index_dir, settings.chroma_url).require_current()
    try:
        chunk_ids = sorted(c.chunk_id for c in gen.load_chunks())
        vector_ids = sorted(gen.collection().get(include=[])["ids"])
    finally:
        gen.close()
    return chunk_ids, vector_ids


def snapshot(retriever: Retriever) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """Top-5 (chunk id, score) per query and mode."""
    return {
        (query, mode): [(h.chunk.chunk_id, h.score) for h in retriever.retrieve(query, filters, 5, mode)]
        for query, filters in QUERIES
        for mode in MODES
    }


def take_snapshot(settings: Settings, embedder: Embedder) -> dict[tuple[str, str], list[tuple[str, float]]]:
    retriever = Retriever(settings, embedder=embedder)
    try:
        return snapshot(retriever)
    finally:
        retriever.close()


def labelled_hits(retriever: Retriever) -> dict[tuple[str, str], bool]:
    """Eval-style hit@3 per labelled query and mode."""
    return {
        (query, mode): section in [h.chunk.section for h in retriever.retrieve(query, filters, 3, mode)]
        for query, filters, section in LABELLED
        for mode in MODES
    }


def assert_same_results(got: dict, want: dict, tol: float = 1e-4) -> None:
    """Same chunk ids in the same order for every query and mode, scores equal within ``tol``."""
    assert got.keys() == want.keys()
    for key in want:
        assert [cid for cid, _ in got[key]] == [cid for cid, _ in want[key]], key
        for (_, a), (_, b) in zip(got[key], want[key]):
            assert abs(a - b) <= tol, (key, a, b)


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_COACH_CORPUS_DIR": str(settings.corpus_dir),
           "RAG_COACH_INDEX_DIR": str(settings.index_dir)}
    env.pop("RAG_COACH_CHROMA_URL", None)
    env.pop("INGEST_DRIVER_VECTORS", None)
    if settings.chroma_url:
        env["RAG_COACH_CHROMA_URL"] = settings.chroma_url
    env.update(extra)
    return env


def start_ingest(settings: Settings, point: str = "none", vectors: Path | None = None, **env: str) -> subprocess.Popen:
    """`rag-coach ingest` in a subprocess through the fault driver; ``point`` says where it SIGKILLs itself.
    ``vectors`` (from :func:`save_vectors`) replays the real model's vectors instead of loading the model."""
    if vectors is not None:
        env["INGEST_DRIVER_VECTORS"] = str(vectors)
    return subprocess.Popen([sys.executable, str(DRIVER), point], env=cli_env(settings, **env), cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_ingest(settings: Settings, point: str, vectors: Path | None = None, timeout: float = 300,
               **env: str) -> subprocess.CompletedProcess:
    proc = start_ingest(settings, point, vectors, **env)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

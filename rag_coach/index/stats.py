"""Counts over the published index (`rag-coach stats`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rag_coach.index.store import IndexDir
from rag_coach.settings import Settings


def index_stats(settings: Settings) -> dict[str, Any]:
    gen = IndexDir(settings.index_dir, settings.chroma_url).require_current()
    manifest = gen.manifest()
    chunks = gen.load_chunks()
    return {
        "documents": len(manifest.files),
        "chunks": len(chunks),
        "questions": len({c.question_id for c in chunks if c.question_id}),
        "mistakes": len({c.mistake_id for c in chunks if c.mistake_id}),
        "by_company": dict(sorted(Counter(c.company for c in chunks).items())),
        "by_round": dict(sorted(Counter(c.round for c in chunks).items())),
        "by_kind": dict(sorted(Counter(c.kind for c in chunks).items())),
        "embedding_model": manifest.embedding_model,
        "vectors": gen.store.describe(),
    }

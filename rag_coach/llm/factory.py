"""Choose the model component from ``settings.llm.backend``; heavy imports happen only for the chosen one."""

from __future__ import annotations

from pathlib import Path

from rag_coach.llm.base import ChatBackend, LLMError
from rag_coach.settings import Settings


def make_backend(settings: Settings) -> ChatBackend:
    mode = settings.llm.backend
    if mode == "embedded":
        from rag_coach.llm.embedded import EmbeddedBackend
        from rag_coach.llm.models import QWEN, embedded_model_path, verify

        path = embedded_model_path(settings)
        # the pulled default is size/sha-checked before its first load; a user's own GGUF is trusted
        check = (lambda p: verify(p, QWEN)) if path.name == QWEN.filename and settings.llm.model_path is None else None
        return EmbeddedBackend(
            path,
            adapter=settings.llm.adapter,
            adapter_scale=settings.llm.adapter_scale,
            threads=settings.llm.threads,
            context_tokens=settings.llm.context_tokens,
            seed=settings.llm.seed,
            verify=check,
            extra_buffers=settings.llm.extra_buffers,
            probe_cache=(Path(settings.data_dir) / "probes.json") if settings.llm.probe else None,
        )
    if mode == "ollama":
        from rag_coach.llm.ollama_backend import OllamaBackend

        return OllamaBackend(settings)
    raise LLMError(f"unknown llm.backend '{mode}': use 'embedded' or 'ollama'")

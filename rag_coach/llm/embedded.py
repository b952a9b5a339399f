"""Embedded backend: llama-cpp-python running a local GGUF (default: Qwen2.5-Coder-1.5B-Instruct Q4_K_M).

llama.cpp reuses its KV cache for the longest common token prefix with the previous call, so a
stable system prompt and an append-only conversation make follow-up turns cheap. A loaded model is not
re-entrant: one call at a time (:class:`~rag_coach.services.Services` wraps every backend in
:class:`~rag_coach.llm.serialized.SerializedBackend`, the one lock).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag_coach.llm.base import BackendInfo, LLMError, Message, Usage, yes_share
from rag_coach.llm.llamacpp import cached_tokens, last_logits, load_llama, special_token_text, truncate_cache
from rag_coach.llm.probe import ExtraBuffers, ProbeCache, choose_extra_buffers

log = logging.getLogger(__name__)


def _missing_model_message(path: Path) -> str:
    return f"model file {path} not found: run `rag-coach models pull` (or point llm.model_path at a local GGUF)"


class EmbeddedBackend:
    def __init__(
        self,
        model_path: Path,
        *,
        adapter: Path | None = None,
        adapter_scale: float = 1.0,
        threads: int | None = None,
        context_tokens: int = 4096,
        seed: int = 0,
        verify: Any = None,
        extra_buffers: ExtraBuffers = "auto",
        probe_cache: Path | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.adapter = Path(adapter) if adapter else None
        self.adapter_scale = adapter_scale
        self.threads = threads or os.cpu_count() or 2
        self.seed = seed
        self._verify = verify  # called once with the model path before loading (size/sha check)
        self.extra_buffers = extra_buffers
        self._probe_cache = probe_cache  # None: no child-process probe before the first load
        self._llm: Any = None
        self._yes_no: tuple[list[int], list[int]] | None = None  # token ids of yes/no variants
        self.info = BackendInfo("embedded", self.model_path.name, str(self.adapter) if self.adapter else None, context_tokens)

    def check(self) -> None:
        if not self.model_path.is_file():
            raise LLMError(_missing_model_message(self.model_path))
        if self.adapter is not None:
            from rag_coach.llm.adapter import check_adapter

            check_adapter(self.adapter, self.model_path)

    def _load(self) -> Any:
        if self._llm is not None:
            return self._llm
        self.check()
        if self._verify is not None:
            self._verify(self.model_path)
        try:
            import llama_cpp  # noqa: F401
        except ImportError as exc:
            raise LLMError("the embedded backend needs llama-cpp-python: run scripts/setup.sh (or pip install llama-cpp-python)") from exc
        if self._probe_cache is not None:
            extra = choose_extra_buffers(self.model_path, self.extra_buffers, cache=ProbeCache(self._probe_cache), threads=self.threads)
        else:
            extra = self.extra_buffers != "off"
        self.info.extra["extra_buffers"] = extra
        kwargs: dict[str, Any] = {
            "n_ctx": self.info.context_tokens,
            "n_threads": self.threads,
            "n_threads_batch": self.threads,
            "seed": self.seed,
            "verbose": False,
        }
        if self.adapter is not None:
            kwargs.update(lora_path=str(self.adapter), lora_scale=self.adapter_scale)
        try:
            self._llm = load_llama(self.model_path, extra_buffers=extra, **kwargs)
        except (ValueError, RuntimeError) as exc:
            raise LLMError(f"llama.cpp could not load {self.model_path.name} ({exc}): the file may be corrupt; run `rag-coach models pull --force`") from None
        return self._llm

    def warm_up(self, messages: list[Message]) -> None:
        """Evaluate a prompt prefix (e.g. the system prompt) so the first real turn reuses it."""
        llm = self._load()
        tokens = llm.tokenize(self._format(messages).encode(), add_bos=True, special=True)
        self._eval_after_cached(llm, tokens[: max(1, len(tokens) - 1)])

    @staticmethod
    def _eval_after_cached(llm: Any, tokens: list[int]) -> None:
        """Evaluate ``tokens``, reusing the cached common prefix with the previous prompt (at least one token
        is evaluated, so the logits are fresh)."""
        prefix = 0
        for cached, new in zip(cached_tokens(llm), tokens):
            if cached != new:
                break
            prefix += 1
        prefix = min(prefix, len(tokens) - 1)
        if not truncate_cache(llm, prefix):
            llm.reset()
            prefix = 0
        llm.eval(tokens[prefix:])

    def _format(self, messages: list[Message]) -> str:
        llm = self._load()
        handler = llm.chat_handler or None
        if handler is None:
            from llama_cpp import llama_chat_format

            template = llm.metadata.get("tokenizer.chat_template")
            if template:
                formatter = llama_chat_format.Jinja2ChatFormatter(
                    template, eos_token=special_token_text(llm, llm.token_eos()), bos_token=special_token_text(llm, llm.token_bos())
                )
                return formatter(messages=messages).prompt
        return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "

    def yes_probability(self, messages: list[Message]) -> float:
        """Evaluate the prompt (reusing the cached common prefix) and read the next-token logits."""
        import numpy as np

        llm = self._load()
        if self._yes_no is None:
            ids = lambda words: sorted({llm.tokenize(w.encode(), add_bos=False, special=False)[0] for w in words})  # noqa: E731
            self._yes_no = (ids(("yes", "Yes", " yes", " Yes")), ids(("no", "No", " no", " No")))
        self._eval_after_cached(llm, llm.tokenize(self._format(messages).encode(), add_bos=True, special=True))
        logits = last_logits(llm)
        probs = np.exp(logits - logits.max())
        yes, no = self._yes_no
        return yes_share(float(probs[yes].sum()), float(probs[no].sum()))

    def count_tokens(self, text: str) -> int:
        return len(self._load().tokenize(text.encode(), add_bos=False, special=True))

    def stream_chat(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        json_schema: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> Iterator[str]:
        llm = self._load()
        kwargs: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature, "seed": self.seed, "stream": True}
        if temperature == 0:
            kwargs["top_k"] = 1
        if json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        completion = 0
        finish = None
        for chunk in llm.create_chat_completion(messages=messages, **kwargs):
            choice = chunk["choices"][0]
            piece = choice.get("delta", {}).get("content")
            finish = choice.get("finish_reason") or finish
            if piece:
                completion += 1
                yield piece
        if usage is not None:
            usage.completion_tokens = completion
            usage.prompt_tokens = max(0, llm.n_tokens - completion)
            usage.truncated = finish == "length"

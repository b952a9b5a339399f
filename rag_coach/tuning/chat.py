"""Serving-identical prompt text and tokens for training, from llama.cpp's own chat formatting.

At serving time ``Llama.create_chat_completion`` formats messages with the GGUF's
``tokenizer.chat_template`` when it has one (Qwen2.5: ChatML) and otherwise with its fallback
``llama-2`` format (the Gemma 3 270M GGUF carries no template), then tokenizes with
``add_bos=not added_special, special=True``. Training uses the same code path on a vocab-only
``Llama`` (loads in about a second, no weights), so the trained prompt tokens are exactly the
served ones; the target is the assistant text followed by the model's EOS token, where generation
stops.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rag_coach.llm.base import LLMError, Message
from rag_coach.settings import Settings

log = logging.getLogger(__name__)


def resolve_base(base: str | Path, settings: Settings, download: bool = True) -> Path:
    """A model key (``gemma3-270m``, ``qwen2.5-coder-1.5b-instruct``; pulled into and verified in the models folder
    of ``settings``) or a path to a GGUF file."""
    from rag_coach.llm.models import MODELS, model_path, pull

    if str(base) in MODELS:
        if not download and not model_path(settings, MODELS[str(base)]).is_file():
            raise LLMError(f"{base} is not downloaded: run `rag-coach models pull {base}`")
        return pull(settings, str(base))
    path = Path(base)
    if not path.is_file():
        raise LLMError(f"base model {base} is neither a known model ({', '.join(MODELS)}) nor a GGUF file")
    return path


class ServingFormat:
    """Prompt rendering and tokenization exactly as the embedded backend does it, for one GGUF."""

    def __init__(self, gguf_path: Path) -> None:
        from rag_coach.llm.llamacpp import load_llama, special_token_text

        self.path = Path(gguf_path)
        self._llm = load_llama(self.path, vocab_only=True, verbose=False)
        self.eos_text = special_token_text(self._llm, self._llm.token_eos())
        self.bos_text = special_token_text(self._llm, self._llm.token_bos())
        self.chat_format = str(self._llm.chat_format)
        self._template = self._llm.metadata.get("tokenizer.chat_template")

    def render(self, messages: list[Message]) -> tuple[str, bool]:
        """The prompt llama.cpp builds for ``messages`` (ending at the assistant turn), and added_special."""
        from llama_cpp import llama_chat_format as fmt

        if self.chat_format == "chat_template.default" and self._template:
            formatter: Any = fmt.Jinja2ChatFormatter(template=self._template, eos_token=self.eos_text, bos_token=self.bos_text)
        else:
            known = {"llama-2": fmt.format_llama2, "chatml": fmt.format_chatml, "gemma": fmt.format_gemma}
            if self.chat_format not in known:
                raise LLMError(f"chat format {self.chat_format} of {self.path.name} is not supported for training")
            formatter = known[self.chat_format]
        result = formatter(messages=messages)
        return result.prompt, bool(result.added_special)

    def tokenize(self, text: str, add_bos: bool = False) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True))

    def encode(self, messages: list[Message]) -> tuple[list[int], list[int]]:
        """(prompt ids, target ids): all but the last message as the served prompt, the last (assistant) as target."""
        if not messages or messages[-1]["role"] != "assistant":
            raise ValueError("the last message of a training example must be the assistant's")
        prompt, added_special = self.render(messages[:-1])
        prompt_ids = self.tokenize(prompt, add_bos=not added_special)
        target_ids = self.tokenize(messages[-1]["content"]) + [self._llm.token_eos()]
        return prompt_ids, target_ids

    def count(self, text: str) -> int:
        return len(self.tokenize(text))

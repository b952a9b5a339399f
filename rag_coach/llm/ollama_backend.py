"""Chat through a local Ollama server with the official ``ollama`` Python client.

The model is ``settings.llm.ollama_model``; with a LoRA adapter in the slot it is the tuned model
that :meth:`OllamaBackend.create_adapter_model` builds (``FROM <base>`` + ``ADAPTER <file>``).
Every failure the user can fix becomes an :class:`LLMError` carrying one sentence.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import ollama

from rag_coach.llm.base import BackendInfo, LLMError, Message, Usage, yes_share
from rag_coach.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_HOST = "http://127.0.0.1:11434"
DEFAULT_PORT = 11434
KEEP_ALIVE = "10m"
# Failures of the transport or the server, as the ollama client surfaces them.
_CLIENT_ERRORS: tuple[type[BaseException], ...] = (
    ollama.ResponseError,
    ollama.RequestError,
    httpx.HTTPError,
    ConnectionError,
    json.JSONDecodeError,
    OSError,
)


def resolve_host(host: str | None = None) -> str:
    """The server URL from ``host``, else ``$OLLAMA_HOST``, else :data:`DEFAULT_HOST`.

    Accepts ``127.0.0.1:11434``, ``localhost``, ``:11434``, ``http://host:port`` and the bind-all
    addresses ``0.0.0.0`` / ``::`` (meaning this machine).
    """
    raw = (host or os.environ.get("OLLAMA_HOST") or "").strip()
    if not raw:
        return DEFAULT_HOST
    scheme, sep, rest = raw.partition("://")
    port = DEFAULT_PORT
    if not sep:
        scheme, rest = "http", raw
    elif scheme == "http":
        port = 80
    elif scheme == "https":
        port = 443
    split = urllib.parse.urlsplit(f"{scheme}://{rest}")
    try:
        port = split.port or port
    except ValueError as exc:
        raise LLMError(f"OLLAMA_HOST {raw!r} has an invalid port: use a form like 127.0.0.1:11434.") from exc
    hostname = split.hostname or "127.0.0.1"
    if hostname in {"0.0.0.0", "::", "[::]"}:
        hostname = "127.0.0.1"
    if ":" in hostname:  # IPv6 literal
        hostname = f"[{hostname}]"
    path = split.path.strip("/")
    return f"{scheme}://{hostname}:{port}" + (f"/{path}" if path else "")


def _file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _require_file(adapter_path: str | Path) -> Path:
    path = Path(adapter_path).expanduser().resolve()
    if not path.is_file():
        raise LLMError(f"Adapter file {path} does not exist: fix llm.adapter or train/export the adapter first.")
    return path


def tuned_model_name(base: str, adapter_path: str | Path) -> str:
    """Deterministic Ollama name for ``base`` + adapter: ``rag-coach-<base>-<8 hex of adapter sha256>``."""
    path = _require_file(adapter_path)
    sanitised = re.sub(r"[^a-z0-9._-]+", "-", base.lower()).strip("-.") or "model"
    return f"rag-coach-{sanitised}-{_file_sha256(path)[:8]}"


def _model_matches(wanted: str, available: str) -> bool:
    """``qwen2.5:1.5b`` matches exactly; a name without a tag matches its ``:latest``."""
    def norm(name: str) -> str:
        name = name.strip()
        return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"

    return norm(wanted) == norm(available)


def modelfile_text(base_model: str, adapter_path: str | Path) -> str:
    return f"FROM {base_model}\nADAPTER {Path(adapter_path).expanduser().resolve()}\n"


class OllamaBackend:
    """:class:`~rag_coach.llm.base.ChatBackend` over an Ollama server."""

    def __init__(self, settings: Settings, client: ollama.Client | None = None) -> None:
        llm = settings.llm
        self.settings = settings
        self.host = resolve_host(llm.ollama_host)
        self.base_model = llm.ollama_model
        self.adapter: Path | None = _require_file(llm.adapter) if llm.adapter else None
        self.model = tuned_model_name(self.base_model, self.adapter) if self.adapter else self.base_model
        if self.adapter and llm.adapter_scale != 1.0:
            log.warning("Ollama applies adapters at scale 1.0; ignoring adapter_scale=%s", llm.adapter_scale)
        self.client = client or ollama.Client(host=self.host, timeout=llm.timeout_s)
        self.info = BackendInfo(
            backend="ollama",
            model=self.model,
            adapter=str(self.adapter) if self.adapter else None,
            context_tokens=llm.context_tokens,
            extra={"host": self.host, "base_model": self.base_model},
        )
        self._checked = False

    # -- errors -----------------------------------------------------------------------------
    def _unreachable(self) -> LLMError:
        return LLMError(
            f"Cannot reach Ollama at {self.host}: start it with `ollama serve` (or set OLLAMA_HOST), "
            "or use the embedded backend (--backend embedded)."
        )

    def _translate(self, exc: BaseException, doing: str) -> LLMError:
        """One sentence for a client/transport failure while ``doing`` something."""
        if isinstance(exc, (httpx.ConnectError, ConnectionError)):
            return self._unreachable()
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):  # e.g. the server died mid-answer
            return LLMError(
                f"Ollama at {self.host} dropped the connection while {doing}: check that `ollama serve` is still "
                "running (see its log), then try again."
            )
        if isinstance(exc, httpx.TimeoutException):
            return LLMError(
                f"Ollama at {self.host} did not answer within {self.settings.llm.timeout_s:g}s while {doing}: "
                "raise llm.timeout_s or use a smaller model."
            )
        if isinstance(exc, ollama.ResponseError):
            detail = str(exc.error).strip().rstrip(".")
            if exc.status_code == 404 and "not found" in detail:
                return LLMError(f"Ollama has no model '{self.model}': run `ollama pull {self.model}`.")
            return LLMError(f"Ollama failed while {doing}: {detail}.")
        detail = str(exc).strip().rstrip(".") or type(exc).__name__
        return LLMError(
            f"Ollama connection failed while {doing} ({detail}): check that `ollama serve` is still running and see its log."
        )

    # -- ChatBackend --------------------------------------------------------------------------
    def list_models(self) -> list[str]:
        try:
            listing = self.client.list()
        except _CLIENT_ERRORS as exc:
            raise self._translate(exc, "listing models") from None
        return [m.model for m in listing.models if m.model]

    def check(self) -> None:
        names = self.list_models()
        if any(_model_matches(self.model, name) for name in names):
            self._checked = True
            return
        if self.adapter is not None:
            raise LLMError(
                f"Ollama has no model '{self.model}' (base {self.base_model} + adapter {self.adapter.name}): "
                "run `rag-coach models adapter-create` to build it."
            )
        raise LLMError(f"Ollama has no model '{self.model}': run `ollama pull {self.model}`.")

    def stream_chat(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        json_schema: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> Iterator[str]:
        if not self._checked:
            self.check()
        llm = self.settings.llm
        options = {
            "num_predict": max_tokens,
            "temperature": temperature,
            "seed": llm.seed,
            "num_ctx": llm.context_tokens,
        }
        done = False
        try:
            stream = self.client.chat(
                model=self.model,
                messages=[dict(m) for m in messages],
                stream=True,
                options=options,
                format=json_schema or None,
                keep_alive=KEEP_ALIVE,
            )
            for chunk in stream:
                piece = chunk.message.content if chunk.message is not None else None
                if piece:
                    yield piece
                if chunk.done:
                    done = True
                    if usage is not None:
                        usage.prompt_tokens = chunk.prompt_eval_count or 0
                        usage.completion_tokens = chunk.eval_count or 0
                        usage.truncated = chunk.done_reason == "length"
                    break
        except _CLIENT_ERRORS as exc:
            raise self._translate(exc, "generating") from None
        except ValueError as exc:  # a malformed chunk (pydantic validation)
            raise LLMError(f"Ollama sent a malformed response while generating: {exc.__class__.__name__}.") from None
        if not done:
            raise LLMError(f"Ollama at {self.host} closed the stream before the answer finished: check the server log.")

    def yes_probability(self, messages: list[Message]) -> float:
        """One-token reply with ``logprobs``/``top_logprobs`` (Ollama >= 0.12); a server without them -> 1.0/0.0 from the text."""
        response = self._one_token(messages, "checking a rubric item", logprobs=True, top_logprobs=10)
        first = (response.logprobs or [None])[0]
        if first is not None and first.top_logprobs:
            word = lambda t: t.token.strip().lower()  # noqa: E731
            yes = sum(math.exp(t.logprob) for t in first.top_logprobs if word(t) == "yes")
            no = sum(math.exp(t.logprob) for t in first.top_logprobs if word(t) == "no")
            return yes_share(yes, no)
        text = (response.message.content or "").strip().lower() if response.message is not None else ""
        return 1.0 if text.startswith("yes") else 0.0

    def warm_up(self, messages: list[Message]) -> None:
        """Evaluate a prompt ahead with a one-token reply that is discarded: Ollama loads the model and its runner
        keeps the prompt cached, so the next request evaluates only what follows the common prefix (the
        system prompt at start-up; the draft answer while a candidate types)."""
        self._one_token(messages, "evaluating a prompt ahead")

    def _one_token(self, messages: list[Message], doing: str, **extra: Any) -> Any:
        """A greedy one-token, non-streamed chat request (checks and warm-ups); failures as one-sentence LLMErrors."""
        if not self._checked:
            self.check()
        llm = self.settings.llm
        options = {"num_predict": 1, "temperature": 0.0, "seed": llm.seed, "num_ctx": llm.context_tokens}
        try:
            return self.client.chat(model=self.model, messages=[dict(m) for m in messages], stream=False, options=options,
                                    keep_alive=KEEP_ALIVE, **extra)
        except _CLIENT_ERRORS as exc:
            raise self._translate(exc, doing) from None
        except ValueError as exc:
            raise LLMError(f"Ollama sent a malformed response while {doing}: {exc.__class__.__name__}.") from None

    def count_tokens(self, text: str) -> int:
        """Estimate ``ceil(len(text) / 4)``: the ollama client has no tokenize endpoint to ask."""
        return math.ceil(len(text) / 4)

    # -- adapters ----------------------------------------------------------------------------
    def create_adapter_model(
        self, base_model: str, adapter_path: str | Path, name: str | None = None
    ) -> tuple[str, str]:
        """Build ``name`` (default :func:`tuned_model_name`) = ``base_model`` + the GGUF LoRA adapter.

        The adapter file is uploaded as a blob first (``POST /api/blobs/sha256:...``), then
        ``/api/create`` is called with ``from`` and ``adapters={filename: digest}``. Returns the
        model name and the equivalent Modelfile text (for the user to keep).
        """
        path = _require_file(adapter_path)
        name = name or tuned_model_name(base_model, path)
        text = modelfile_text(base_model, path)
        try:
            digest = self.client.create_blob(path)
            log.info("uploaded adapter %s as %s", path, digest)
            last_status = ""
            for progress in self.client.create(model=name, from_=base_model, adapters={path.name: digest}, stream=True):
                if progress.status and progress.status != last_status:
                    last_status = progress.status
                    log.info("ollama create %s: %s", name, last_status)
        except ollama.ResponseError as exc:
            detail = str(exc.error).strip().rstrip(".")
            if "not found" in detail and base_model in detail:
                raise LLMError(f"Ollama has no base model '{base_model}': run `ollama pull {base_model}`.") from None
            raise LLMError(f"Ollama could not create model '{name}' from {path.name}: {detail}.") from None
        except _CLIENT_ERRORS as exc:
            raise self._translate(exc, f"creating model '{name}'") from None
        if last_status and last_status != "success":
            raise LLMError(f"Ollama did not finish creating model '{name}' (last status: {last_status}).")
        return name, text

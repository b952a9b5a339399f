"""The one place that knows llama-cpp-python's internals (pinned: llama-cpp-python==0.3.36).

Everything else talks to :func:`load_llama` and the helpers below; a version bump only has to be
checked here. ``use_extra_bufts`` (weight repacking and, where compiled in, ggml's AMX kernels) is a
model parameter that ``Llama.__init__`` does not expose, so :func:`load_llama` sets it on the
parameters that ``Llama`` asks llama.cpp for while it loads.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PINNED_VERSION = "0.3.36"
_PARAMS_LOCK = threading.Lock()  # the default-params hook below is process-wide while a model loads


@contextmanager
def _model_params(extra_buffers: bool) -> Iterator[None]:
    import llama_cpp.llama as llama_module

    original = llama_module.llama_cpp.llama_model_default_params

    def params() -> Any:
        value = original()
        value.use_extra_bufts = extra_buffers
        return value

    with _PARAMS_LOCK:
        llama_module.llama_cpp.llama_model_default_params = params
        try:
            yield
        finally:
            llama_module.llama_cpp.llama_model_default_params = original


def load_llama(model_path: Path, *, extra_buffers: bool = True, **kwargs: Any) -> Any:
    """``llama_cpp.Llama(model_path, **kwargs)`` with llama.cpp's extra buffer types on or off."""
    from llama_cpp import Llama

    with _model_params(extra_buffers):
        return Llama(model_path=str(model_path), **kwargs)


def time_prefill_decode(llm: Any, text: str, prompt_tokens: int, decode_tokens: int) -> tuple[float, float, int]:
    """(prefill tok/s, generation tok/s, tokens decoded) for ``text`` cut or repeated to ``prompt_tokens``.

    The first evaluation after a load (thread start-up, buffers) is done once untimed; the prefill then
    runs from an empty cache, and generation samples greedily and evaluates one token at a time, as
    serving does.
    """
    import time

    tokens = llm.tokenize(text.encode(), add_bos=True)
    prompt = (tokens * (prompt_tokens // max(1, len(tokens)) + 1))[:prompt_tokens]
    llm.eval(prompt[:16])
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(prompt)
    prefill = len(prompt) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(decode_tokens):
        llm.eval([llm.sample(top_k=1, temp=0.0)])
    gen = decode_tokens / (time.perf_counter() - t0) if decode_tokens else 0.0
    return prefill, gen, decode_tokens


def system_info() -> str:
    """llama.cpp's compiled-in CPU features, e.g. ``CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | ... |``."""
    import llama_cpp

    return llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()


def has_amx_kernels(info: str | None = None) -> bool:
    """Whether this build contains ggml's AMX int8 kernels (they fault on VMs that advertise AMX)."""
    return "AMX_INT8 = 1" in (info if info is not None else system_info())


def library_fingerprint() -> str:
    """Version plus size/mtime of the compiled libraries, without importing (loading) them."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        return "llama_cpp:missing"
    folder = Path(spec.origin).parent
    libs = sorted(folder.glob("lib/*.so*")) + sorted(folder.glob("lib/*.dylib")) + sorted(folder.glob("lib/*.dll"))
    parts = [f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in libs]
    try:
        from importlib.metadata import version

        parts.insert(0, version("llama_cpp_python"))
    except Exception:  # noqa: BLE001 - metadata is informative only
        pass
    return "|".join(parts)


def special_token_text(llm: Any, token: int) -> str:
    return llm._model.token_get_text(token)


def cached_tokens(llm: Any) -> list[int]:
    """Token ids whose keys/values are in the context now (llama.cpp's prefix cache)."""
    return list(llm._input_ids[: llm.n_tokens])


def truncate_cache(llm: Any, keep: int) -> bool:
    """Keep the first ``keep`` cached tokens; False if llama.cpp could not (then call ``llm.reset()``)."""
    if keep > 0 and llm._ctx.kv_cache_seq_rm(-1, keep, -1):
        llm.n_tokens = keep
        return True
    return False


def last_logits(llm: Any) -> Any:
    """The next-token logits after the last evaluated token, as a float64 numpy vector."""
    import numpy as np

    return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).astype(np.float64)

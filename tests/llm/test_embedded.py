"""The embedded llama.cpp backend with real GGUF files: adapter slot, clear errors, model pull."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag_coach.llm import models
from rag_coach.llm.adapter import check_adapter, read_header
from rag_coach.llm.base import LLMError
from rag_coach.llm.embedded import EmbeddedBackend
from rag_coach.llm.models import GEMMA_270M
from rag_coach.settings import load_settings
from rag_coach.tuning.gguf_lora import random_lora, write_lora_gguf

pytestmark = pytest.mark.model
PROMPT = [{"role": "user", "content": "Is Paris the capital of France? Reply yes or no."}]


@pytest.fixture(scope="session")
def gemma(gemma_gguf: Path) -> Path:
    """The 270M base model, assembled once into the user's data folder (cached across runs)."""
    return gemma_gguf


@pytest.fixture(scope="session")
def qwen_header(qwen_gguf: Path) -> Path:
    return qwen_gguf


def _p_yes(path: Path, adapter: Path | None = None) -> float:
    """P("yes") of the next token from a fresh backend: it depends on every logit, so any change in the
    model's output distribution shows (the 270M base model often ends its chat turn at once, so greedy
    text alone can be empty)."""
    backend = EmbeddedBackend(path, adapter=adapter, context_tokens=512)
    return backend.yes_probability(PROMPT)


@pytest.fixture(scope="session")
def adapter(gemma: Path, tmp_path_factory) -> Path:
    header = read_header(gemma)
    path = tmp_path_factory.mktemp("lora") / "random.gguf"
    return write_lora_gguf(path, header, random_lora(header, rank=4, scale=0.5), alpha=8.0)


def test_adapter_changes_output_and_without_it_output_is_identical(gemma: Path, adapter: Path) -> None:
    base_a, base_b = _p_yes(gemma), _p_yes(gemma)
    assert base_a == base_b and 0.0 < base_a < 1.0
    assert check_adapter(adapter, gemma).fields["adapter.lora.alpha"] == 8.0
    assert abs(_p_yes(gemma, adapter) - base_a) > 1e-4


def test_adapter_for_another_architecture_is_refused(gemma: Path, qwen_header: Path, tmp_path: Path) -> None:
    qwen = read_header(qwen_header)
    wrong = write_lora_gguf(tmp_path / "qwen_lora.gguf", qwen, random_lora(qwen, rank=2, layers=1), alpha=4.0)
    with pytest.raises(LLMError, match="made for architecture 'qwen2' but the model .* is 'gemma3'"):
        EmbeddedBackend(gemma, adapter=wrong).check()


def test_adapter_with_wrong_shapes_or_not_an_adapter_is_refused(gemma: Path, tmp_path: Path) -> None:
    header = read_header(gemma)
    lora = random_lora(header, rank=2, layers=1)
    name, (a, b) = next(iter(lora.items()))
    bad = write_lora_gguf(tmp_path / "bad.gguf", header, {name: (a[:, :100], b)}, alpha=2.0)
    with pytest.raises(LLMError, match="input size 100, .* needs 640: wrong base model"):
        check_adapter(bad, gemma)
    with pytest.raises(LLMError, match="is not a GGUF LoRA adapter"):
        check_adapter(gemma, gemma)


def test_missing_and_corrupt_model_files_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="not found: run `rag-coach models pull`"):
        EmbeddedBackend(tmp_path / "none.gguf").check()
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(b"GGUF" + b"\x00" * 4096)
    with pytest.raises(LLMError, match="could not load corrupt.gguf"):
        list(EmbeddedBackend(corrupt).stream_chat(PROMPT, max_tokens=2))


def test_pull_verifies_and_reuses(gemma: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(data_dir=tmp_path, models_dir=tmp_path / "models")  # never the shared model cache
    target = models.model_path(settings, GEMMA_270M)
    assert target.parent == tmp_path / "models"
    target.parent.mkdir(parents=True)
    shutil.copy(gemma, target)
    assert models.pull(settings, GEMMA_270M.key) == target  # verified copy is reused
    with target.open("r+b") as fh:  # flip one byte: same size, wrong hash
        fh.seek(1000)
        byte = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([byte[0] ^ 1]))
    with pytest.raises(LLMError, match="sha256 .* expected"):
        models.pull(settings, GEMMA_270M.key)
    target.unlink()
    bad = models.ModelSpec(**{**GEMMA_270M.__dict__, "sha256": "0" * 64})
    monkeypatch.setitem(models.MODELS, GEMMA_270M.key, bad)
    with pytest.raises(LLMError, match="does not match"):
        models.pull(settings, GEMMA_270M.key)
    assert not target.exists() and not list(target.parent.glob("*.partial"))


def test_warm_up_replaces_the_cached_prompt_and_a_later_prompt_reuses_it(gemma: Path) -> None:
    """Grading evaluates the draft answer ahead (warm_up) after other prompts were cached: the cache must then
    hold the draft's prompt (not the old prompt with the draft appended), and the final prompt must give the
    same P(yes) as a cold backend."""
    from rag_coach.llm.llamacpp import cached_tokens

    draft = [{"role": "user", "content": "Facts: Paris is the capital and largest city of France."}]
    final = [{"role": "user", "content": draft[0]["content"] + " " + PROMPT[0]["content"]}]
    backend = EmbeddedBackend(gemma, context_tokens=512)
    backend.yes_probability([{"role": "user", "content": "Name a colour. Reply yes or no."}])  # something else cached
    backend.warm_up(draft)
    llm = backend._load()
    tokens = llm.tokenize(backend._format(draft).encode(), add_bos=True, special=True)
    assert cached_tokens(llm) == tokens[:-1]
    final_tokens = llm.tokenize(backend._format(final).encode(), add_bos=True, special=True)
    assert final_tokens[:5] == tokens[:5]  # shares a prefix the final check can reuse
    assert backend.yes_probability(final) == pytest.approx(_p_yes_of(gemma, final), abs=0.01)  # batch order: not bit-equal


def _p_yes_of(path: Path, messages: list) -> float:
    return EmbeddedBackend(path, context_tokens=512).yes_probability(messages)

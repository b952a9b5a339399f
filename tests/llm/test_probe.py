"""The child-process probe: a crash of the model library becomes a sentence, and `auto` falls back.

Crash plumbing uses a real child process that really segfaults (ctypes reads address 0) in place of
the llama.cpp child; the model tests load the real Qwen GGUF with this build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag_coach.llm import probe
from rag_coach.llm.base import LLMError
from rag_coach.llm.probe import ProbeCache, ProbeDecision, ProbeResult, choose_extra_buffers, run_probe

REPO = Path(__file__).resolve().parents[2]
SEGFAULT = [sys.executable, "-c", "import ctypes; ctypes.string_at(0)"]


@pytest.fixture()
def fake_gguf(tmp_path: Path) -> Path:
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 64)
    return path


def crash_when_extra(monkeypatch: pytest.MonkeyPatch, crash_off_too: bool = False) -> list[bool]:
    """Replace the llama.cpp child by a segfaulting one (with extra buffers, or always); record calls."""
    calls: list[bool] = []
    ok_child = [sys.executable, "-c", "import json; print(json.dumps({'ok': True, 'detail': 'decoded 12 tokens', "
                "'prefill_tok_s': 100.0, 'gen_tok_s': 20.0}))"]

    def command(model_path: Path, extra_buffers: bool, threads: int | None) -> list[str]:
        calls.append(extra_buffers)
        return SEGFAULT if (extra_buffers or crash_off_too) else ok_child

    monkeypatch.setattr(probe, "probe_command", command)
    return calls


def test_a_segfaulting_child_is_a_result_naming_the_signal(monkeypatch: pytest.MonkeyPatch, fake_gguf: Path) -> None:
    crash_when_extra(monkeypatch)
    result = run_probe(fake_gguf, extra_buffers=True)
    assert not result.ok and result.detail.startswith("crashed with SIGSEGV")


def test_auto_falls_back_without_extra_buffers_and_remembers(monkeypatch: pytest.MonkeyPatch, fake_gguf: Path,
                                                              tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    calls = crash_when_extra(monkeypatch)
    cache = ProbeCache(tmp_path / "probes.json")
    assert choose_extra_buffers(fake_gguf, "auto", cache=cache) is False
    assert calls == [False, True]
    assert "crashed with SIGSEGV" in caplog.text and "with them off" in caplog.text
    # the decision is cached: no child process the second time
    assert choose_extra_buffers(fake_gguf, "auto", cache=cache) is False
    assert calls == [False, True]
    stored = json.loads((tmp_path / "probes.json").read_text())
    assert [row["extra_buffers"] for row in stored.values()] == [False]


def test_auto_keeps_the_faster_way_for_a_coaching_turn(monkeypatch: pytest.MonkeyPatch, fake_gguf: Path) -> None:
    speeds = {True: (70.0, 23.0), False: (120.0, 18.0)}  # the shape measured here: repacking helps decode only

    def fake(model_path: Path, *, extra_buffers: bool, threads=None, timeout_s=300.0) -> ProbeResult:
        prefill, gen = speeds[extra_buffers]
        return ProbeResult(True, extra_buffers, "decoded 12 tokens", 1.0, "", prefill, gen)

    monkeypatch.setattr(probe, "run_probe", fake)
    assert choose_extra_buffers(fake_gguf, "auto", cache=ProbeCache(None)) is False  # 600/120 + 60/18 < 600/70 + 60/23
    speeds[True] = (128.0, 19.0)  # a little faster, within the probe's noise: off is kept
    assert choose_extra_buffers(fake_gguf, "auto", cache=ProbeCache(None)) is False
    speeds[True] = (150.0, 23.0)
    assert choose_extra_buffers(fake_gguf, "auto", cache=ProbeCache(None)) is True
    assert choose_extra_buffers(fake_gguf, "off", cache=ProbeCache(None)) is False


def test_forced_mode_or_total_failure_is_one_actionable_sentence(monkeypatch: pytest.MonkeyPatch, fake_gguf: Path,
                                                                 tmp_path: Path) -> None:
    crash_when_extra(monkeypatch)
    with pytest.raises(LLMError) as forced:
        choose_extra_buffers(fake_gguf, "on", cache=ProbeCache(None))
    crash_when_extra(monkeypatch, crash_off_too=True)
    cache = ProbeCache(tmp_path / "p.json")
    with pytest.raises(LLMError) as both:
        choose_extra_buffers(fake_gguf, "auto", cache=cache)
    for message in (str(forced.value), str(both.value)):
        assert message.startswith("the local model failed to run on this machine")
        assert "crashed with SIGSEGV" in message and "RAG_COACH_LLM__EXTRA_BUFFERS=off" in message
        assert "--backend ollama" in message and "\n" not in message
    assert not (tmp_path / "p.json").exists()


def test_a_changed_model_file_is_probed_again(monkeypatch: pytest.MonkeyPatch, fake_gguf: Path, tmp_path: Path) -> None:
    calls = crash_when_extra(monkeypatch)
    cache = ProbeCache(tmp_path / "probes.json")
    choose_extra_buffers(fake_gguf, "off", cache=cache)
    fake_gguf.write_bytes(b"GGUF" + b"\0" * 128)
    choose_extra_buffers(fake_gguf, "off", cache=cache)
    assert calls == [False, False]


def test_a_child_that_is_not_a_model_run_fails_cleanly(fake_gguf: Path) -> None:
    result = run_probe(fake_gguf, extra_buffers=False, timeout_s=120)  # the real child, a file llama.cpp refuses
    assert not result.ok and result.detail.startswith("failed")


def test_probe_decisions_round_trip(tmp_path: Path) -> None:
    cache = ProbeCache(tmp_path / "probes.json")
    decision = ProbeDecision(True, [ProbeResult(True, True, "decoded 12 tokens", 1.5, "CPU : AVX2 = 1", 90.0, 20.0)])
    cache.put("k", decision)
    assert cache.get("k") == decision
    (tmp_path / "probes.json").write_text("{not json")
    assert cache.get("k") is None  # a damaged cache means: probe again


@pytest.mark.model
def test_the_real_model_decodes_with_this_build_and_it_has_no_amx_kernels(qwen_gguf: Path) -> None:
    """The smoke check itself: Qwen 1.5B loads and decodes with extra buffers in a child process, and
    the build from scripts/setup.sh left ggml's AMX kernels out (they fault on VMs that advertise AMX)."""
    result = run_probe(qwen_gguf, extra_buffers=True)
    assert result.ok, result.detail
    assert result.detail.startswith("decoded 12 tokens") and result.prefill_tok_s > 0 and result.gen_tok_s > 0
    assert "AVX2 = 1" in result.system_info or "NEON = 1" in result.system_info
    assert "AMX_INT8 = 1" not in result.system_info


@pytest.mark.model
def test_models_check_command(tmp_path: Path) -> None:
    env = dict(os.environ)  # hermetic (tests/conftest.py): a temporary data dir, the shared models folder
    out = subprocess.run([sys.executable, "-m", "rag_coach.cli", "models", "check", "--json"], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["ok"] and report["mode"] == "auto" and report["amx_kernels"] is False
    assert [p["extra_buffers"] for p in report["probes"]] == [False, True] and all(p["ok"] for p in report["probes"])
    bad = subprocess.run([sys.executable, "-m", "rag_coach.cli", "models", "check", "--model", str(tmp_path / "x.gguf")],
                         env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "not found: run `rag-coach models pull`" in bad.stderr

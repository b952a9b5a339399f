"""Audio checks and bounded-window decoding (no model needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag_coach.settings import VoiceSettings
from rag_coach.voice.audio import RATE, probe, windows
from rag_coach.voice.errors import VoiceError
from tests.voice import badfiles
from tests.voice.conftest import clip


def _one_sentence(message: str) -> None:
    assert message.count(". ") == 0 and "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize(("make", "expected"), [
    (badfiles.not_audio, "is not an audio file this build can read"),
    (badfiles.unknown_codec, "uses an audio codec this build cannot decode"),
    (badfiles.video_only, "has no audio track"),
])
def test_unusable_files_are_one_sentence(tmp_path: Path, make, expected: str) -> None:
    path = make(tmp_path / ("x.mp4" if make is badfiles.video_only else "answer.wav"))
    with pytest.raises(VoiceError, match=expected) as info:
        probe(path, VoiceSettings())
    _one_sentence(str(info.value))
    assert path.name in str(info.value)


def test_missing_empty_enormous_and_too_long(tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match="no such audio file"):
        probe(tmp_path / "none.wav", VoiceSettings())
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(VoiceError, match="is empty"):
        probe(tmp_path / "empty.wav", VoiceSettings())
    big = badfiles.silence(tmp_path / "big.wav", 2.0)  # 64 kB
    with pytest.raises(VoiceError, match=r"is 64 kB, more than the 10 kB limit \(voice.max_file_bytes\)"):
        probe(big, VoiceSettings(max_file_bytes=10_000))
    with pytest.raises(VoiceError, match=r"lasts 0 min, more than the 0 min limit|voice.max_duration_s"):
        probe(big, VoiceSettings(max_duration_s=1.0))
    info = probe(clip("sentence_star"), VoiceSettings())
    assert info.codec == "pcm_s16le" and abs(info.duration_s - 4.2) < 0.1


def test_duration_limit_also_holds_while_decoding(tmp_path: Path) -> None:
    path = badfiles.silence(tmp_path / "long.wav", 5.0)
    with pytest.raises(VoiceError, match="voice.max_duration_s"):
        list(windows(path, VoiceSettings(max_duration_s=2.0)))


def test_windows_cover_the_recording_and_cut_in_quiet(tmp_path: Path) -> None:
    """75 s of tone with a 0.3 s silence every 10 s: 30 s windows, each cut inside a silence, nothing lost."""
    t = np.arange(75 * RATE) / RATE
    tone = 8000 * np.sin(2 * np.pi * 220 * t)
    for start in range(10, 75, 10):
        tone[int((start - 0.3) * RATE): int(start * RATE)] = 0
    path = badfiles.write_wav(tmp_path / "tone.wav", tone)
    got = list(windows(path, VoiceSettings(window_s=30.0)))
    assert len(got) == 3
    assert sum(len(w) for _, w in got) == len(tone)
    offset = 0.0
    for start, samples in got:
        assert start == pytest.approx(offset)
        offset += len(samples) / RATE
        assert samples.dtype == np.float32 and samples.max() <= 1.0
    cuts = [start for start, _ in got[1:]]  # each cut falls in a silence: 29.7-30.0 s and 59.7-60.0 s
    assert 29.7 <= cuts[0] <= 30.0 and 59.7 <= cuts[1] <= 60.0, cuts


def test_flac_clips_decode_like_wav() -> None:
    for name in ("fillers", "sentence_learn"):
        info = probe(clip(name), VoiceSettings())
        assert info.codec == "flac"
        (_, samples), = list(windows(clip(name), VoiceSettings()))
        assert abs(len(samples) / RATE - info.duration_s) < 0.05

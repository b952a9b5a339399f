"""Audio in: checks before decoding, then PyAV decoding to 16 kHz mono in bounded windows.

Every failure is a :class:`VoiceError` whose message is one sentence naming the file and what to do.
The whole recording is never held in memory: :func:`windows` yields ``window_s`` seconds at a time (a
2-minute window is 7.7 MB of float32), each cut at the quietest 20 ms of its last 2 seconds so that a
cut rarely falls inside a word.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag_coach.settings import VoiceSettings
from rag_coach.voice.errors import VoiceError

log = logging.getLogger(__name__)

RATE = 16_000
_FRAME = RATE // 50  # 20 ms
_CUT_SEARCH_S = 2.0


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    bytes: int
    codec: str
    duration_s: float | None  # from the container; None when it does not say


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e3:,.0f} kB"


def probe(path: Path, voice: VoiceSettings) -> AudioInfo:
    """Refuse before decoding: missing, empty or enormous files, non-audio, no audio track, unknown codec, too long."""
    import av

    if not path.is_file():
        raise VoiceError(f"{path.name}: no such audio file")
    size = path.stat().st_size
    if size == 0:
        raise VoiceError(f"{path.name} is empty: record or choose the answer again")
    if size > voice.max_file_bytes:
        raise VoiceError(f"{path.name} is {_mb(size)}, more than the {_mb(voice.max_file_bytes)} limit "
                         "(voice.max_file_bytes): trim the recording or raise the limit")
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise VoiceError(f"{path.name} has no audio track: choose an audio recording (wav, mp3, ogg, webm, m4a, flac)")
            stream = container.streams.audio[0]
            context = stream.codec_context
            if context is None:
                raise VoiceError(f"{path.name} uses an audio codec this build cannot decode: convert it to wav, mp3, ogg or flac")
            codec = context.name
            duration = container.duration / 1e6 if container.duration else None
    except VoiceError:
        raise
    except (OSError, ValueError, LookupError) as exc:  # av.error.* derive from these
        raise VoiceError(f"{path.name} is not an audio file this build can read ({_reason(exc)}): "
                         "choose a wav, mp3, ogg, webm, m4a or flac recording") from exc
    if duration is not None and duration > voice.max_duration_s:
        raise VoiceError(f"{path.name} lasts {duration / 60:.0f} min, more than the {voice.max_duration_s / 60:.0f} min "
                         "limit (voice.max_duration_s): split the recording")
    return AudioInfo(path, size, codec, duration)


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "strerror", None) or exc).strip().rstrip(".")
    return text.split(":")[0] if text else type(exc).__name__


def _pcm(path: Path, voice: VoiceSettings) -> Iterator[np.ndarray]:
    """int16 mono 16 kHz chunks, decoded and resampled a frame at a time."""
    import av

    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=RATE)
    decoded = bad = 0
    limit = int(voice.max_duration_s * RATE)
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            frames = container.decode(audio=0)
            while True:
                try:
                    frame = next(frames)
                except StopIteration:
                    break
                except av.error.InvalidDataError:  # a damaged packet: skip it, as faster-whisper does
                    bad += 1
                    if bad > 100 and decoded == 0:
                        raise
                    continue
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    decoded += len(chunk)
                    yield chunk
                if decoded > limit:
                    raise VoiceError(f"{path.name} lasts more than the {voice.max_duration_s / 60:.0f} min limit "
                                     "(voice.max_duration_s): split the recording")
            for out in resampler.resample(None):
                yield out.to_ndarray().reshape(-1)
    except VoiceError:
        raise
    except (OSError, ValueError, LookupError) as exc:
        raise VoiceError(f"{path.name} could not be decoded after {decoded / RATE:.0f} s ({_reason(exc)}): "
                         "the file may be damaged; record it again or convert it to wav") from exc
    if bad:
        log.warning("%s: skipped %d damaged audio packet(s)", path.name, bad)


def _quietest_cut(samples: np.ndarray) -> int:
    """Index of the start of the quietest 20 ms frame in the last 2 s (the whole buffer if shorter)."""
    search = min(len(samples), int(_CUT_SEARCH_S * RATE)) // _FRAME * _FRAME
    if search < _FRAME:
        return len(samples)
    tail = samples[len(samples) - search:].astype(np.float32).reshape(-1, _FRAME)
    quietest = int(np.argmin((tail * tail).mean(axis=1)))
    return len(samples) - search + quietest * _FRAME + _FRAME // 2


def windows(path: Path, voice: VoiceSettings) -> Iterator[tuple[float, np.ndarray]]:
    """``(offset_s, float32 samples)`` windows of about ``voice.window_s`` seconds covering the whole recording."""
    size = int(voice.window_s * RATE)
    pending: list[np.ndarray] = []
    held = 0
    offset = 0
    for chunk in _pcm(path, voice):
        pending.append(chunk)
        held += len(chunk)
        if held < size:
            continue
        buffer = np.concatenate(pending)
        cut = _quietest_cut(buffer[:size])
        yield offset / RATE, buffer[:cut].astype(np.float32) / 32768.0
        offset += cut
        pending, held = [buffer[cut:]], len(buffer) - cut
    if held:
        yield offset / RATE, np.concatenate(pending).astype(np.float32) / 32768.0


__all__ = ["RATE", "AudioInfo", "probe", "windows"]

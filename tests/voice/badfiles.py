"""Unusable inputs made in the test: not audio, an unknown codec, no audio track, noise, silence."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np

RATE = 16_000


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.clip(samples, -32768, 32767).astype(np.int16).tobytes())
    return path


def silence(path: Path, seconds: float = 4.0) -> Path:
    return write_wav(path, np.zeros(int(seconds * RATE)))


def noise(path: Path, seconds: float = 4.0) -> Path:
    return write_wav(path, np.random.default_rng(0).normal(0, 3000, int(seconds * RATE)))


def not_audio(path: Path) -> Path:
    path.write_text("This is my answer, typed, not recorded.\n" * 50)
    return path


def unknown_codec(path: Path) -> Path:
    """A RIFF/WAVE file whose format tag (0x1234) no decoder knows."""
    data = np.zeros(RATE, dtype=np.int16).tobytes()
    fmt = struct.pack("<IHHIIHH", 16, 0x1234, 1, RATE, 2 * RATE, 2, 16)
    path.write_bytes(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + fmt + b"data" + struct.pack("<I", len(data)) + data)
    return path


def video_only(path: Path) -> Path:
    """A short video with no audio track."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=5)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), dtype=np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path

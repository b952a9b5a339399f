"""Regenerate the committed test clips in tests/voice/data (needs espeak-ng; CI does not: the clips are committed).

    python tests/voice/make_clips.py

Each clip is 16 kHz mono 16-bit; the sentences and planted pauses are listed in ``clips.json`` so the
tests read the ground truth from the same place the clips were made from.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

DATA = Path(__file__).with_name("data")
RATE = 16_000

# name -> pieces: a string is spoken (espeak-ng en-us, 160 wpm), a float is that many seconds of silence
CLIPS: dict[str, list[str | float]] = {
    "sentence_star": ["I led the migration of our billing service to a new database."],
    "sentence_conflict": ["When two teams disagreed about the deadline, I set up a meeting to compare the risks."],
    "sentence_result": ["We shipped the feature two weeks early and reduced support tickets by thirty percent."],
    "sentence_learn": ["Next time I would ask for feedback from the customer much earlier in the project."],
    "pause": ["I designed the cache layer for the search team.", 3.0, "It cut the page load time in half."],
    "um_uh": ["Um, I think the main problem was, uh, the database schema."],
    "fillers": ["So, you know, the project was sort of late, and I was kind of worried.",
                0.5, "I like working with the design team, and I like to plan ahead."],
    "like_filler": ["The build was, like, really slow, and it looks like a cache problem."],
}
WAV = {"sentence_star", "pause"}  # kept as wav; the rest as flac (lossless, half the size; decoded by PyAV)


def speak(text: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(out), text], check=True)
        with wave.open(str(out)) as w:
            rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
    assert rate == 22_050, rate
    return resample_poly(pcm, 320, 441)


def build(pieces: list[str | float]) -> tuple[np.ndarray, list[dict[str, float]]]:
    chunks: list[np.ndarray] = [np.zeros(int(0.3 * RATE))]
    pauses: list[dict[str, float]] = []
    for piece in pieces:
        if isinstance(piece, float):
            start = sum(len(c) for c in chunks) / RATE
            pauses.append({"start": round(start, 3), "seconds": piece})
            chunks.append(np.zeros(int(piece * RATE)))
        else:
            chunks.append(speak(piece))
    chunks.append(np.zeros(int(0.3 * RATE)))
    return np.concatenate(chunks), pauses


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.clip(samples, -32768, 32767).astype(np.int16).tobytes())


def write_flac(path: Path, samples: np.ndarray) -> None:
    import av

    pcm = np.clip(samples, -32768, 32767).astype(np.int16).reshape(1, -1)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("flac", rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def main() -> None:
    DATA.mkdir(exist_ok=True)
    truth: dict[str, dict[str, object]] = {}
    for name, pieces in CLIPS.items():
        samples, pauses = build(pieces)
        file = f"{name}.wav" if name in WAV else f"{name}.flac"
        (write_wav if name in WAV else write_flac)(DATA / file, samples)
        truth[name] = {"file": file, "text": " ".join(p for p in pieces if isinstance(p, str)), "pauses": pauses,
                       "seconds": round(len(samples) / RATE, 2)}
    (DATA / "clips.json").write_text(json.dumps(truth, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Local transcription with faster-whisper (Whisper base, CTranslate2 int8 on the CPU) and word timestamps.

:meth:`Transcriber.segments` streams segments with times in the recording's own timeline, one audio
window at a time (see :mod:`rag_coach.voice.audio`), so a long recording is bounded in memory and the
caller can show progress. The model is loaded on first use, once per Transcriber.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag_coach.settings import Settings
from rag_coach.voice.audio import RATE, AudioInfo, probe, windows
from rag_coach.voice.errors import VoiceError

log = logging.getLogger(__name__)

WHISPER_KEY = "whisper-base"


@dataclass(frozen=True)
class Word:
    text: str  # as Whisper wrote it, punctuation included ("know,")
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...]


@dataclass
class Transcript:
    file: str
    duration_s: float  # audio decoded
    language: str
    segments: list[Segment] = field(default_factory=list)
    seconds: float = 0.0  # wall time spent transcribing

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text).strip()

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "duration_s": round(self.duration_s, 2), "language": self.language,
                "text": self.text, "seconds": round(self.seconds, 2),
                "segments": [{**asdict(s), "words": [asdict(w) for w in s.words]} for s in self.segments]}


Progress = Callable[[float, Segment], None]  # (seconds of audio done, the new segment)


def model_folder(settings: Settings) -> Path:
    if settings.voice.model_path:
        return Path(settings.voice.model_path)
    from rag_coach.llm.models import MODELS, model_path

    return model_path(settings, MODELS[WHISPER_KEY])


def model_available(settings: Settings) -> bool:
    return (model_folder(settings) / "model.bin").is_file()


def _at(offset: float, t: float) -> float:
    return round(offset + float(t), 3)


class Transcriber:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._model: Any = None
        self._lock = threading.Lock()  # one transcription at a time: the CPU threads are the budget

    def load(self) -> Any:
        """The faster-whisper model, loaded once (a missing or broken model is a VoiceError)."""
        if self._model is not None:
            return self._model
        folder = model_folder(self.settings)
        if not (folder / "model.bin").is_file():
            raise VoiceError(f"the speech model is not installed ({folder} has no model.bin): "
                             f"run `rag-coach models pull {WHISPER_KEY}`")
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise VoiceError("voice practice needs faster-whisper, which is not installed: "
                             "run `scripts/setup.sh voice` (or pip install -e '.[voice]')") from exc

        voice = self.settings.voice
        try:
            self._model = WhisperModel(str(folder), device="cpu", compute_type=voice.compute_type,
                                       cpu_threads=voice.threads, num_workers=1, local_files_only=True)
        except (RuntimeError, ValueError, OSError) as exc:
            raise VoiceError(f"the speech model in {folder} could not be loaded ({exc}): "
                             f"run `rag-coach models pull {WHISPER_KEY} --force`") from exc
        log.info("loaded %s (%s, %d threads)", folder.name, voice.compute_type, voice.threads)
        return self._model

    def check(self, path: Path) -> AudioInfo:
        return probe(Path(path), self.settings.voice)

    def _stream(self, path: Path, info: AudioInfo) -> Iterator[Segment | float]:
        """Segments in order (times from the start of the recording); a float marks the audio decoded so far."""
        voice = self.settings.voice
        with self._lock:
            model = self.load()
            for offset, samples in windows(path, voice):
                found, _ = model.transcribe(samples, language=voice.language, beam_size=voice.beam_size,
                                            word_timestamps=True, vad_filter=voice.vad,
                                            condition_on_previous_text=False)
                for seg in found:
                    words = tuple(Word(w.word.strip(), _at(offset, w.start), _at(offset, w.end), round(float(w.probability), 3))
                                  for w in (seg.words or ()) if w.word.strip())
                    yield Segment(_at(offset, seg.start), _at(offset, seg.end), seg.text.strip(), words)
                yield offset + len(samples) / RATE
        log.debug("transcribed %s (%s)", path.name, info.codec)

    def segments(self, path: Path) -> Iterator[Segment]:
        """Stream the segments of one recording. Raises VoiceError for unusable audio."""
        path = Path(path)
        for item in self._stream(path, self.check(path)):
            if isinstance(item, Segment):
                yield item

    def transcribe(self, path: Path, progress: Progress | None = None) -> Transcript:
        """The whole transcript; no words at all (silence, noise) is a VoiceError."""
        path = Path(path)
        info = self.check(path)
        began = time.perf_counter()
        result = Transcript(path.name, 0.0, self.settings.voice.language)
        for item in self._stream(path, info):
            if isinstance(item, Segment):
                result.segments.append(item)
                if progress is not None:
                    progress(item.end, item)
            else:
                result.duration_s = item
        result.seconds = time.perf_counter() - began
        if not result.words:
            raise VoiceError(f"no speech was found in {path.name} ({result.duration_s:.0f} s of silence or noise): "
                             "check the microphone and record the answer again")
        return result


__all__ = ["Segment", "Transcriber", "Transcript", "Word", "WHISPER_KEY", "model_available", "model_folder"]

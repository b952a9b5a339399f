"""A spoken answer: transcript + delivery metrics, for the CLI (`transcribe`, `grade --audio`) and the UI."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag_coach.settings import Settings
from rag_coach.voice.delivery import Delivery, analyse
from rag_coach.voice.transcribe import Segment, Transcriber, Transcript


@dataclass
class SpokenAnswer:
    transcript: Transcript
    delivery: Delivery

    @property
    def text(self) -> str:
        return self.transcript.text

    def to_dict(self) -> dict[str, Any]:
        return {"transcript": self.transcript.to_dict(), "delivery": self.delivery.to_dict()}


def delivery_of(transcript: Transcript, settings: Settings, round_slug: str | None = None) -> Delivery:
    voice = settings.voice
    return analyse(transcript.words, transcript.duration_s, round_slug, voice.expected_answer_s, voice.long_pause_s)


def spoken_answer(transcriber: Transcriber, path: Path, round_slug: str | None = None) -> SpokenAnswer:
    """Transcribe ``path`` and measure its delivery; unusable audio raises VoiceError (nothing is stored)."""
    transcript = transcriber.transcribe(Path(path))
    return SpokenAnswer(transcript, delivery_of(transcript, transcriber.settings, round_slug))


@dataclass
class Partial:
    """Progress while a recording is transcribed: the text so far and how much audio it covers."""

    text: str
    done_s: float
    total_s: float | None
    answer: SpokenAnswer | None = None  # set on the last item


def stream_answer(transcriber: Transcriber, path: Path, round_slug: str | None = None) -> Iterator[Partial]:
    """Like :func:`spoken_answer`, yielding the transcript as it grows (for the UI)."""
    import queue
    import threading

    path = Path(path)
    info = transcriber.check(path)
    updates: queue.Queue[Segment | BaseException | Transcript] = queue.Queue()

    def work() -> None:
        try:
            updates.put(transcriber.transcribe(path, progress=lambda _done, seg: updates.put(seg)))
        except BaseException as exc:  # handed to the caller's thread
            updates.put(exc)

    threading.Thread(target=work, name="rag-coach-transcribe", daemon=True).start()
    texts: list[str] = []
    while True:
        item = updates.get()
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, Transcript):
            answer = SpokenAnswer(item, delivery_of(item, transcriber.settings, round_slug))
            yield Partial(item.text, item.duration_s, info.duration_s, answer)
            return
        if item.text:
            texts.append(item.text)
        yield Partial(" ".join(texts), item.end, info.duration_s)


__all__ = ["Partial", "SpokenAnswer", "delivery_of", "spoken_answer", "stream_answer"]

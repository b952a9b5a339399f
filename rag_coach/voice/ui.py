"""The voice input of the mock-interview tab: record or upload, the transcript fills an answer box to edit.

:func:`voice_input` adds a ``gr.Audio`` (microphone or upload) and a delivery panel where it is called
(right under the box it fills). Transcription streams: the box fills segment by segment with progress
in the panel, then the panel shows the delivery metrics. For the main answer the metrics are kept on
the interview (``Started.delivery``) and stored with the attempt when it is graded. Unusable audio is
one sentence in the panel; the box and the interview are left as they were.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from rag_coach.practice import Started
from rag_coach.services import Services
from rag_coach.textsafety import md_text
from rag_coach.voice.errors import VoiceError

log = logging.getLogger(__name__)


def voice_input(services: Services, state: gr.State, target: gr.Textbox, key: str = "answer",
                keep_delivery: bool = True) -> tuple[gr.Audio, gr.Markdown]:
    """Audio in → transcript into ``target``; ``key`` names the elements (``iv-audio-<key>``)."""
    transcriber = services.transcriber  # shared by every voice input; loads the model at the first recording
    label = "Or say it: record (microphone) or upload a recording; the transcript fills the box above for you to edit"
    audio = gr.Audio(sources=["microphone", "upload"], type="filepath", label=label, elem_id=f"iv-audio-{key}")
    panel = gr.Markdown("", elem_id=f"iv-delivery-{key}")

    def on_audio(started: Started | None, path: str | None, current: str) -> Iterator[tuple[Any, str]]:
        if not path:  # recording removed: its metrics no longer describe the answer
            if keep_delivery and started is not None:
                started.delivery = None
            yield gr.update(), ""
            return
        from rag_coach.voice.delivery import render_markdown
        from rag_coach.voice.practice import stream_answer

        round_slug = started.session.question.round if started is not None else None
        yield gr.update(), "_Transcribing on this machine…_"
        try:
            for part in stream_answer(transcriber, Path(path), round_slug):
                if part.answer is None:
                    of = f" of {part.total_s:.0f} s" if part.total_s else ""
                    yield part.text, f"_Transcribing on this machine… {part.done_s:.0f} s{of} done_"
                    continue
                if keep_delivery and started is not None:
                    started.delivery = part.answer.delivery.to_dict()
                yield part.text, render_markdown(part.answer.delivery)
        except VoiceError as exc:
            log.info("recording not transcribed: %s", exc)
            yield current, f"**Could not transcribe the recording:** {md_text(str(exc))}"

    audio.change(on_audio, [state, audio, target], [target, panel], api_name=False)
    return audio, panel


__all__ = ["voice_input"]

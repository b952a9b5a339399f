"""Grading work done while the candidate answers: the content-free checks of the session's question.

Half of a grading's model calls ask the rubric, dimension and mistake checks of a content-free answer
(the calibration baseline, :mod:`rag_coach.interview.scoring`). They depend on the question, not the
answer, so a mock interview computes them in a background thread from the moment the question is
shown (and again when a follow-up is answered, since follow-ups are part of the prompt). The candidate
spends minutes answering; at submit only the answer's own checks are left. The model is shared behind
one lock, so a chat turn waits at most one check (about a second on a 2-core CPU).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from rag_coach.documents.models import Question
from rag_coach.interview.grading import Grader
from rag_coach.llm.base import LLMError

log = logging.getLogger(__name__)


class Warmup:
    """One background preparation per session key; starting again for a key replaces the running one."""

    def __init__(self, grader: Grader) -> None:
        self.grader = grader
        self._running: dict[str, tuple[threading.Thread, threading.Event]] = {}
        self._lock = threading.Lock()

    def start(self, key: str, question: Question, follow_ups: Sequence[tuple[str, str]] = (), company: str | None = None) -> None:
        self.stop(key)
        done = threading.Event()
        thread = threading.Thread(target=self._run, args=(key, question, list(follow_ups), company, done),
                                  name=f"grading-warmup-{key}", daemon=True)
        with self._lock:
            self._running = {k: v for k, v in self._running.items() if v[0].is_alive()}
            self._running[key] = (thread, done)
        thread.start()

    def stop(self, key: str) -> None:
        """Ask the preparation for ``key`` to stop and wait for it (it stops after the check it is on)."""
        with self._lock:
            running = self._running.pop(key, None)
        if running is not None:
            thread, done = running
            done.set()
            thread.join()

    def _run(self, key: str, question: Question, follow_ups: list[tuple[str, str]], company: str | None,
             done: threading.Event) -> None:
        try:
            count = self.grader.prepare(question, follow_ups, company, stop=done.is_set)
            log.info("grading of %s prepared for session %s (%d content-free checks)", question.id, key, count)
        except LLMError as exc:  # grading will report it if the model still cannot run
            log.info("could not prepare the grading of %s: %s", question.id, exc)
        except Exception:  # noqa: BLE001 - a background helper must never take the app down
            log.exception("preparing the grading of %s failed", question.id)

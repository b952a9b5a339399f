"""Grading work done while the candidate answers: the question's content-free checks, then the draft answer.

Half of a grading's model calls ask the rubric, dimension and mistake checks of a content-free answer
(the calibration baseline, :mod:`rag_coach.interview.scoring`). They depend on the question, not the
answer, so a mock interview computes them in a background thread from the moment the question is
shown (and again when a follow-up is answered, since follow-ups are part of the prompt).

Once they are done, the worker keeps the candidate's draft evaluated: the page sends the answer as it
is typed (:meth:`Warmup.draft`) and :meth:`~rag_coach.interview.grading.Grader.prefill` evaluates the
grading prompt up to the end of it. The embedded model keeps that in its KV cache and evaluates only
the new text each time, so at submit only what changed since the last draft is left to evaluate
before the answer's own checks (a long answer's prompt is ~12 s of a 2-core CPU's time).

The model is shared behind one lock, so a chat turn waits at most one check or one draft's new text;
a chat turn also replaces the cached prompt, and the next draft then evaluates the prompt again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag_coach.documents.models import Question
from rag_coach.interview.grading import Grader
from rag_coach.llm.base import LLMError

log = logging.getLogger(__name__)

DRAFT_EVERY_S = 3.0  # at most one draft evaluation this often (the page sends the draft every second)


@dataclass
class _Job:
    question: Question
    follow_ups: list[tuple[str, str]]
    company: str | None
    draft: tuple[str, str] | None = None  # the latest (answer, code) the page sent
    done_draft: tuple[str, str] | None = None  # the last one evaluated
    stopped: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class Warmup:
    """One background worker per session key; starting again for a key replaces the running one."""

    def __init__(self, grader: Grader, draft_every_s: float = DRAFT_EVERY_S) -> None:
        self.grader = grader
        self.draft_every_s = draft_every_s
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()

    def start(self, key: str, question: Question, follow_ups: Sequence[tuple[str, str]] = (), company: str | None = None) -> None:
        """Start (or restart) the worker for ``key``; a running one is told to stop but not waited for (it may be
        evaluating a long draft; the new worker waits for the model anyway), and its latest draft carries over."""
        previous = self._stop(key, wait=False)
        job = _Job(question, list(follow_ups), company, draft=previous.draft if previous else None)
        if job.draft is not None:
            job.wake.set()  # the prompt changed (a follow-up): evaluate the same draft again once prepared
        job.thread = threading.Thread(target=self._run, args=(key, job), name=f"grading-warmup-{key}", daemon=True)
        with self._lock:
            self._jobs = {k: j for k, j in self._jobs.items() if j.thread is not None and j.thread.is_alive()}
            self._jobs[key] = job
        job.thread.start()

    def draft(self, key: str, answer: str, code: str = "") -> None:
        """The candidate's answer so far; the worker evaluates the latest one once the checks are prepared."""
        with self._lock:
            job = self._jobs.get(key)
        if job is not None and (answer, code) != job.draft:
            job.draft = (answer, code)
            job.wake.set()

    def running(self, key: str) -> bool:
        with self._lock:
            job = self._jobs.get(key)
        return job is not None and job.thread is not None and job.thread.is_alive()

    def stop(self, key: str) -> None:
        """Ask the worker for ``key`` to stop and wait for it (it stops after the check or draft it is on)."""
        self._stop(key)

    def _stop(self, key: str, wait: bool = True) -> _Job | None:
        with self._lock:
            job = self._jobs.pop(key, None)
        if job is not None:
            job.stopped.set()
            job.wake.set()
            if wait and job.thread is not None:
                job.thread.join()
        return job

    def _run(self, key: str, job: _Job) -> None:
        try:
            count = self.grader.prepare(job.question, job.follow_ups, job.company, stop=job.stopped.is_set)
            log.info("grading of %s prepared for session %s (%d content-free checks)", job.question.id, key, count)
            while not job.stopped.is_set():
                job.wake.wait()
                job.wake.clear()
                draft = job.draft
                if job.stopped.is_set() or draft is None or draft == job.done_draft:
                    continue
                self.grader.prefill(job.question, draft[0], draft[1], job.follow_ups, job.company)
                job.done_draft = draft
                job.stopped.wait(self.draft_every_s)  # newer drafts wait; stop() does not
        except LLMError as exc:  # grading will report it if the model still cannot run
            log.info("could not prepare the grading of %s: %s", job.question.id, exc)
        except Exception:  # noqa: BLE001 - a background helper must never take the app down
            log.exception("preparing the grading of %s failed", job.question.id)

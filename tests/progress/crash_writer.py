"""Subprocess for the crash test: records attempts in a loop and acknowledges each on stdout once stored.

Run as ``python -m tests.progress.crash_writer DB START``; attempt ``n`` carries ``seq = n`` in its
stored record and question id, so the parent can check that the rows are exactly 0..N-1, all complete.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rag_coach.progress.store import ProgressStore
from tests.progress.helpers import at, feedback, question


def main(db: str, start: int) -> None:
    store = ProgressStore(Path(db))
    seq = start
    while True:
        fb = feedback(1 + seq % 4, mistakes=(f"mistake.graphs.m{seq % 7}",), hints=seq % 3, question_id=f"q.general.graphs.s{seq}")
        extra = {"seq": seq, "padding": "x" * (seq % 5000)}  # rows of varied size, some spanning overflow pages
        store.record("crash", question(f"s{seq}", "graphs"), fb, at(0), at(0, seq % 600), delivery=extra)
        sys.stdout.write(f"{seq}\n")
        sys.stdout.flush()
        seq += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

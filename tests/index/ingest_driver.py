"""Fault-injection driver (test plumbing): run the real `rag-coach ingest` in this process after wrapping one
production function so the process SIGKILLs itself at a chosen point.

    python tests/index/ingest_driver.py POINT [ingest flags...]

POINT is a key of :data:`POINTS` (``none`` runs ingest untouched; ``fail:*`` raise an OSError instead).
Settings come from RAG_COACH_* variables, exactly as for the real command. If the point is never reached,
ingest finishes and the exit status is ingest's own, so a test expecting -SIGKILL fails instead of passing
vacuously. With $INGEST_DRIVER_VECTORS set, embeddings are replayed from vectors the test computed with the
real model (see :func:`replay_vectors`); everything else (chunking, Chroma, files) is the real code.
"""

from __future__ import annotations

import errno
import functools
import os
import pathlib
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.models.Collection import Collection

from rag_coach.index.embedding import Embedder
from rag_coach.index.store import Generation, IndexDir

REPLAY_ENV = "INGEST_DRIVER_VECTORS"


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def around(owner: Any, attr: str, when: str, nth: int = 1, match: Callable[..., bool] | None = None) -> Callable[[], None]:
    """Patch ``owner.attr`` to die before or after its ``nth`` matching call."""

    def install() -> None:
        original = getattr(owner, attr)
        calls = 0

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            if match is not None and not match(*args, **kwargs):
                return original(*args, **kwargs)
            calls += 1
            if when == "before" and calls == nth:
                die()
            result = original(*args, **kwargs)
            if when == "after" and calls == nth:
                die()
            return result

        setattr(owner, attr, wrapper)

    return install


def renaming(name: str) -> Callable[..., bool]:
    """Matches ``os.replace(src, dst)`` calls whose destination is ``name`` (or starts with it, for ``gen-``)."""
    return lambda src, dst, *a, **k: Path(dst).name == name or (name.endswith("-") and Path(dst).name.startswith(name))


def failing_copytree(real: Callable[..., Any], action: Callable[[str], None], after_files: int) -> Callable[..., Any]:
    """A ``shutil.copytree`` that calls ``action(destination)`` after copying ``after_files`` files."""
    copied = 0

    def copy(src: str, dst: str, **kwargs: Any) -> Any:
        nonlocal copied
        if copied == after_files:
            action(dst)
        copied += 1
        return shutil.copy2(src, dst, **kwargs)

    def copytree(src: str, dst: str, symlinks: bool = False, ignore: Any = None, _copy: Any = None,
                 *rest: Any, **kw: Any) -> Any:  # copytree recurses through shutil.copytree: keep our copy
        return real(src, dst, symlinks, ignore, copy, *rest, **kw)

    return copytree


def raise_oserror(code: int) -> Callable[[str], None]:
    def action(path: str) -> None:
        raise OSError(code, os.strerror(code), path)

    return action


def read_only_lock(real_open: Callable[..., Any]) -> Callable[..., Any]:
    """A ``Path.open`` for which opening the index's lock file for writing fails as on a read-only file system."""

    def open_(self: pathlib.Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self.name == ".lock" and "w" in mode:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real_open(self, mode, *args, **kwargs)

    return open_


def install_copytree(action: Callable[[str], None], after_files: int) -> Callable[[], None]:
    def install() -> None:
        shutil.copytree = failing_copytree(shutil.copytree, action, after_files)

    return install


def install_read_only_lock() -> None:
    pathlib.Path.open = read_only_lock(pathlib.Path.open)  # type: ignore[method-assign]


POINTS: dict[str, Callable[[], None]] = {
    "none": lambda: None,
    "copy:during": install_copytree(lambda path: die(), after_files=2),
    "upsert:before": around(Collection, "upsert", "before"),
    "upsert:after-first-batch": around(Collection, "upsert", "after"),
    "delete:after": around(Collection, "delete", "after"),
    "chunks:before-write": around(Generation, "write_chunks", "before"),
    "chunks:before-rename": around(os, "replace", "before", match=renaming("chunks.jsonl")),
    "manifest:before-rename": around(os, "replace", "before", match=renaming("manifest.json")),
    "publish:before": around(IndexDir, "publish", "before"),
    "publish:after-folder-rename": around(os, "replace", "after", match=renaming("gen-")),
    "pointer:before-rename": around(os, "replace", "before", match=renaming("CURRENT")),
    "pointer:after-rename": around(os, "replace", "after", match=renaming("CURRENT")),
    "publish:after": around(IndexDir, "publish", "after"),
    # Not kills: write failures for the CLI's error path (the tests run as root, so chmod stops nothing).
    "fail:enospc-copy": install_copytree(raise_oserror(errno.ENOSPC), after_files=1),
    "fail:erofs-lock": install_read_only_lock,
}
# Points after which the pointer names the new generation: fresh readers get it, the next ingest has nothing to do.
AFTER_SWAP = ("pointer:after-rename", "publish:after")


def replay_vectors(path: str) -> None:
    """Serve embeddings from ``path`` (.npz of texts and vectors the test computed with the real model), so
    each killed run skips loading torch and the model (~10 s each). A text not in the file is an error."""
    data = np.load(path, allow_pickle=False)
    table = {str(text): vector for text, vector in zip(data["texts"], data["vectors"])}

    def embed_documents(self: Embedder, texts: list[str]) -> np.ndarray:
        return np.stack([table[t] for t in texts]).astype(np.float32)

    def embed_query(self: Embedder, text: str) -> np.ndarray:
        return table[text].astype(np.float32)

    Embedder.embed_documents = embed_documents  # type: ignore[method-assign]
    Embedder.embed_query = embed_query  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    point, flags = argv[0], argv[1:]
    if os.environ.get(REPLAY_ENV):
        replay_vectors(os.environ[REPLAY_ENV])
    POINTS[point]()
    from rag_coach.cli import main as cli_main

    return cli_main(["ingest", *flags])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

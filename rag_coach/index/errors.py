"""Index errors that are the user's to fix; each message names the path and says what to do."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path

FULL = {errno.ENOSPC, errno.EDQUOT}
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
# What SQLite (inside Chroma) says for the same conditions; it does not raise OSError.
FULL_TEXT = ("database or disk is full", "no space left on device")
READ_ONLY_TEXT = ("readonly database", "read-only file system")


class IndexError_(RuntimeError):
    """The index is missing, locked or incompatible; the message says what to run."""


class IndexWriteError(IndexError_):
    """The index folder cannot be written (disk full, read-only); the previous index is unchanged."""


def classify_write_error(exc: BaseException) -> str | None:
    """``"full"``, ``"read-only"`` or None for an exception raised while writing the index."""
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno in FULL:
            return "full"
        if exc.errno in READ_ONLY:
            return "read-only"
    text = str(exc).lower()
    if any(t in text for t in FULL_TEXT):
        return "full"
    if any(t in text for t in READ_ONLY_TEXT):
        return "read-only"
    return None


def write_error(exc: BaseException, index_dir: Path, chroma_url: str | None = None) -> IndexWriteError | None:
    """The user-facing error for a disk-full, read-only or lost-server failure, or None for anything else.

    An OSError is about the local index folder; Chroma's own errors are about the server when ``chroma_url``
    is set (its disk, not this machine's), else about the Chroma folder inside the index."""
    unchanged = "then run `rag-coach ingest` again. The previous index is unchanged."
    if chroma_url and _is_transport_error(exc):
        return IndexWriteError(
            f"lost the connection to the Chroma server at {chroma_url} ({exc}); check that it is running, {unchanged}"
        )
    kind = classify_write_error(exc)
    if kind is None:
        return None
    if chroma_url and not isinstance(exc, OSError):
        what = "is out of disk space; free disk space on the server" if kind == "full" else (
            "cannot write its data folder; make it writable on the server"
        )
        return IndexWriteError(f"the Chroma server at {chroma_url} {what} ({exc}), {unchanged}")
    path = getattr(exc, "filename", None) or index_dir
    if kind == "full":
        return IndexWriteError(
            f"cannot write the index in {index_dir}: no space left on the device holding {path}; free disk space "
            f"(an ingest needs room for a second copy of the index), {unchanged}"
        )
    return IndexWriteError(
        f"cannot write the index in {index_dir}: {path} is read-only or not writable; make it writable or point "
        f"--index / RAG_COACH_INDEX_DIR at a writable folder, {unchanged}"
    )


def _is_transport_error(exc: BaseException) -> bool:
    import httpx

    return isinstance(exc, (httpx.TransportError, ConnectionError))


@contextlib.contextmanager
def writing_index(index_dir: Path, chroma_url: str | None = None) -> Iterator[None]:
    """Turn a disk-full, read-only or lost-server failure inside the block into an :class:`IndexWriteError`."""
    try:
        yield
    except IndexError_:
        raise
    except Exception as exc:
        error = write_error(exc, index_dir, chroma_url)
        if error is None:
            raise
        raise error from exc

"""The one way a source's path is shown: as a clean path inside the corpus folder, checked as text.

A chunk's ``source`` is a path relative to the corpus folder (``companies/amazon.md``). Anything that shows
or links such a path goes through :func:`corpus_relative`, so a tampered index or a crafted request can never
show ``../../etc/passwd``, an absolute path or a percent-escaped way out. Nothing opens a file by its source
path; a feature that does must also resolve symlinks and check that the file stays inside the corpus.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote

from rag_coach.documents.models import DocumentError

_DRIVE = re.compile(r"^[A-Za-z]:")


class CorpusPathError(DocumentError):
    """A source path that does not name a file inside the corpus folder."""


def corpus_relative(relative: str) -> str:
    """``relative`` as a clean posix path inside the corpus, checked as text (the disk is not touched).

    Refused: empty, absolute (``/x``, ``C:x``, ``~x``), backslashes, ``..`` anywhere, control
    characters, and percent-escapes (``..%2f``) that a URL layer could decode into any of these.
    """
    if not isinstance(relative, str) or not relative.strip():
        raise CorpusPathError(repr(relative), "empty source path")
    shown = relative if len(relative) <= 200 else relative[:200] + "…"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in relative):
        raise CorpusPathError(repr(shown), "control characters in a source path")
    if unquote(relative) != relative:
        raise CorpusPathError(shown, "percent-escapes are not accepted in a source path; use the plain file name")
    if "\\" in relative:
        raise CorpusPathError(shown, "backslashes are not accepted in a source path; use '/'")
    path = PurePosixPath(relative)
    if path.is_absolute() or _DRIVE.match(relative) or relative.startswith("~"):
        raise CorpusPathError(shown, "absolute paths are not accepted; give a path relative to the corpus folder")
    if ".." in path.parts:
        raise CorpusPathError(shown, "'..' is not accepted in a source path; it would leave the corpus folder")
    parts = [part for part in path.parts if part != "."]
    if not parts:
        raise CorpusPathError(shown, "the source path names the corpus folder itself, not a file")
    return "/".join(parts)


"""The one way a source's path becomes a file: it must name an existing file inside the corpus folder.

A chunk's ``source`` is a path relative to the corpus folder (``companies/amazon.md``). Anything that
turns such a path into something shown, linked or opened goes through :func:`corpus_relative` (text
only) or :func:`resolve_corpus_file` (the file on disk), so a tampered index or a crafted request can
never reach ``../../etc/passwd``, an absolute path or a symlink that leads out of the corpus.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
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


def resolve_corpus_file(corpus_dir: Path | str, relative: str) -> Path:
    """The existing regular file ``relative`` names inside ``corpus_dir``, with symlinks resolved.

    Raises :class:`CorpusPathError` for anything :func:`corpus_relative` refuses, for a symlink (of the
    file or of a folder on the way) that leads outside the corpus, and for a missing file or a folder.
    """
    clean = corpus_relative(relative)
    root = Path(corpus_dir).resolve()
    try:
        target = (root / clean).resolve(strict=True)
    except FileNotFoundError:
        raise CorpusPathError(clean, f"no such file in the corpus folder {root}") from None
    except (OSError, RuntimeError) as exc:  # symlink loops, permission problems
        raise CorpusPathError(clean, f"cannot be opened ({type(exc).__name__}: {exc})") from None
    if not target.is_relative_to(root):
        raise CorpusPathError(clean, "leads outside the corpus folder (through a symlink); it is not served")
    if not target.is_file():
        raise CorpusPathError(clean, "is not a regular file")
    return target

"""JSON Lines, the one way the package reads them: a JSON value a line, blank lines skipped.

Lines are split on ``\\n`` only (never on U+2028 and the other separators ``str.splitlines`` knows), so a
value written with ``ensure_ascii=False`` that holds such a character reads back whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class JsonlError(ValueError):
    """A line that is not JSON; ``str()`` names the source and the line number."""


def parse_jsonl(lines: str | Iterable[str], source: str = "line") -> list[Any]:
    """The values of ``lines``: a whole text, or lines as read from a file.

    A line that is not JSON raises :class:`JsonlError` naming ``source`` and its line number (counting blank lines)."""
    if isinstance(lines, str):
        lines = lines.split("\n")
    values = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            values.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise JsonlError(f"{source}:{number}: not JSON ({exc.msg})") from None
    return values


def read_jsonl(path: Path | str) -> list[Any]:
    """The values in the UTF-8 file at ``path`` (:class:`JsonlError` names the file and line of a bad one)."""
    with Path(path).open(encoding="utf-8") as fh:
        return parse_jsonl(fh, str(path))

"""JSON Lines, the one way the package reads them: a JSON value a line, blank lines skipped.

Lines are split on ``\\n`` only (never on U+2028 and the other separators ``str.splitlines`` knows), so a
value written with ``ensure_ascii=False`` that holds such a character reads back whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def parse_jsonl(lines: str | Iterable[str]) -> list[Any]:
    """The values of ``lines``: a whole text, or lines as read from a file."""
    if isinstance(lines, str):
        lines = lines.split("\n")
    return [json.loads(line) for line in lines if line.strip()]


def read_jsonl(path: Path | str) -> list[Any]:
    """The values in the UTF-8 file at ``path``."""
    with Path(path).open(encoding="utf-8") as fh:
        return parse_jsonl(fh)

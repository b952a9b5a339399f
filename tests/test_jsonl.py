"""The package's one JSON Lines reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag_coach.jsonl import JsonlError, parse_jsonl, read_jsonl


def test_blank_lines_are_skipped_and_only_newline_splits(tmp_path: Path) -> None:
    rows = [{"text": "line\u2028separator and\u0085next line inside one value"}, {"n": 2}, [1, "x"]]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows[:2]) + "\n\n  \n" + json.dumps(rows[2]) + "\r\n"
    path = tmp_path / "rows.jsonl"
    path.write_text(text, encoding="utf-8")
    assert read_jsonl(path) == parse_jsonl(text) == rows
    assert parse_jsonl(text.splitlines(keepends=True)[-1:]) == [rows[2]]
    assert parse_jsonl("") == []


def test_a_bad_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"n": 1}\n\n{"n": 2\n', encoding="utf-8")
    with pytest.raises(JsonlError, match=r"rows\.jsonl:3: not JSON"):
        read_jsonl(path)
    with pytest.raises(ValueError, match=r"^line:1: not JSON"):  # a ValueError, as json's own error was
        parse_jsonl("nope")

"""Hostile text: length limits, control characters, and showing any text literally in the UI.

* :func:`clean_input` — what a candidate types (chat message, interview answer, code, follow-up
  answer): control characters other than newline and tab are removed (also lone surrogates, which
  cannot be encoded, and Unicode direction overrides, which can disguise text), then the text is cut
  to a limit. The result says whether it was cut, so the caller can show a notice.
* :func:`md_text` — any text (the candidate's, the model's, the corpus') for a Markdown renderer
  (Gradio ``Chatbot``, ``gr.Markdown``): HTML is escaped so ``<script>`` or ``<img onerror>`` shows as
  text, and link/image brackets are defused so no ``javascript:`` link and no remote image (a request
  leaving the machine) can appear. Emphasis, lists and code blocks keep working; code spans and fenced
  blocks are left as they are, because the renderer already shows their content literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# C0 (except tab, newline) and C1 controls, DEL, lone surrogates, bidi embeddings/overrides/isolates, BOM.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "&#91;", "]": "&#93;"}
_SPECIAL = re.compile("[&<>\\[\\]]")
# A fence opens at line start (at most 3 spaces); a backtick fence's info string has no backtick.
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}(?=[^`\n]*$)|~{3,})", re.M)
# An inline code span on one line, without "|" (a table row would split it into cells first), whose
# opening backtick is not backslash-escaped. When unsure, text counts as prose and is escaped: that can
# only show an entity inside code, never let markup through.
_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)([^\n|]+?)(?<!`)\1(?!`)")


def one_line(text: str, n: int = 90) -> str:
    """``text`` on one line, cut at a word to at most ``n`` characters (with an ellipsis)."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


def strip_control(text: str) -> str:
    """Newlines normalised to ``\\n``; every control character but newline and tab removed."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class CleanText:
    text: str
    original_chars: int  # after removing control characters
    limit: int

    @property
    def truncated(self) -> bool:
        return self.original_chars > self.limit

    def notice(self, what: str = "message") -> str | None:
        """One sentence for the user when the text was cut, else None."""
        if not self.truncated:
            return None
        return (f"Your {what} was {self.original_chars:,} characters long; only the first {self.limit:,} "
                "were used. Shorten it or split it into several parts.")


def clean_input(text: str | None, limit: int) -> CleanText:
    """Remove control characters, then cut to ``limit`` characters."""
    clean = strip_control(text or "")
    return CleanText(clean[:limit], len(clean), limit)


def _escape(text: str) -> str:
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group()], text)


def _escape_prose(text: str) -> str:
    """Escape text outside fenced blocks, leaving one-line code spans as they are."""
    out, pos = [], 0
    for m in _CODE_SPAN.finditer(text):
        out += [_escape(text[pos:m.start()]), m.group()]
        pos = m.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


def _fence_end(text: str, fence: str, start: int) -> int:
    """End of the fenced block whose body starts at ``start``: after its closing line, or the text's end.

    The closing rule is the loosest of CommonMark's and marked's (the fence, then any of ``~`` and
    backticks), so a block never extends further here than in the renderer.
    """
    closing = re.compile(r"^ {0,3}" + re.escape(fence) + r"[~`]*[ \t]*$", re.M)
    m = closing.search(text, start)
    return m.end() if m else len(text)


def md_text(text: str | None) -> str:
    """``text`` as Markdown that renders literally: no raw HTML, no links or images; code untouched."""
    text = strip_control(text or "")
    out, pos = [], 0
    while True:
        m = _FENCE_OPEN.search(text, pos)
        if m is None:
            out.append(_escape_prose(text[pos:]))
            return "".join(out)
        body = text.find("\n", m.end())
        end = len(text) if body < 0 else _fence_end(text, m.group(1), body + 1)
        info_end = len(text) if body < 0 else body
        out += [_escape_prose(text[pos:m.start()]), text[m.start():m.end()], _escape(text[m.end():info_end]),
                text[info_end:end]]
        pos = end


def md_tree(value: Any) -> Any:
    """A copy of a JSON-like value with every string passed through :func:`md_text` (keys untouched)."""
    if isinstance(value, str):
        return md_text(value)
    if isinstance(value, dict):
        return {k: md_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [md_tree(v) for v in value]
    return value

"""HTML/Markdown rendering of core results for the UI (presentation only)."""

from __future__ import annotations

import html
import logging

from rag_coach.documents.paths import CorpusPathError, corpus_relative
from rag_coach.retrieval.retriever import Hit

log = logging.getLogger(__name__)


def source_label(source: str) -> str:
    """The corpus-relative path shown for a source; a path that could leave the corpus is never shown."""
    try:
        return corpus_relative(source)
    except CorpusPathError as exc:
        log.warning("not showing a source path outside the corpus: %s", exc)
        return "(source path withheld: not inside the corpus)"


def _passage_html(text: str, cited: list[str], n: int) -> str:
    """The passage with the sentences an answer cites marked (``<mark>``), everything escaped."""
    flat = " ".join(text.split())
    spans: list[tuple[int, int]] = []
    for sentence in cited:
        at = flat.find(" ".join(sentence.rstrip("…").split()))
        if at >= 0:
            spans.append((at, at + len(" ".join(sentence.rstrip("…").split()))))
    if not spans:
        return html.escape(text)
    out, pos = [], 0
    for i, (start, end) in enumerate(sorted(spans)):
        if start < pos:
            continue
        out.append(html.escape(flat[pos:start]))
        out.append(f"<mark class='rc-cited' id='rc-ev-{n}-{i}'>{html.escape(flat[start:end])}</mark>")
        pos = end
    out.append(html.escape(flat[pos:]))
    return "".join(out)


def sources_html(hits: list[Hit], note: str = "", cited: dict[int, list[str]] | None = None) -> str:
    """The sources panel. ``cited``: passage number -> the evidence sentences the answer cites from it;
    those passages open with the sentences highlighted."""
    if not hits:
        body = note or "No passages yet. Ask a question to see the sources the answer is built on."
        return f"<div class='rc-sources rc-empty'>{html.escape(body)}</div>"
    cited = cited or {}
    items = []
    for n, hit in enumerate(hits, start=1):
        c = hit.chunk
        where = html.escape(source_label(c.source) + (f", page {c.page}" if c.page else ""))
        conf = f" · {html.escape(c.confidence)}" if c.confidence else ""
        used = cited.get(n, [])
        badge = f" <span class='rc-badge'>cited: {len(used)} sentence{'s' if len(used) != 1 else ''}</span>" if used else ""
        items.append(
            f"<details class='rc-source' id='rc-src-{n}' data-n='{n}'{' open' if used else ''}><summary><b>[{n}] "
            f"{html.escape(c.title)}</b> › {html.escape(c.section or '')}{badge}<br><small>{html.escape(c.company)} · "
            f"{html.escape(c.round)} · {html.escape(c.kind)}{conf} · <code>{where}</code></small></summary>"
            f"<div class='rc-passage'>{_passage_html(c.text, used, n)}</div></details>"
        )
    head = f"<div class='rc-note'>{html.escape(note)}</div>" if note else ""
    return "<div class='rc-sources'>" + head + "".join(items) + "</div>"


def cited_map(sentences) -> dict[int, list[str]]:
    """Passage number -> evidence sentences cited from it, from a turn's answer sentences."""
    out: dict[int, list[str]] = {}
    for s in sentences:
        if s.evidence_text not in out.setdefault(s.passage, []):
            out[s.passage].append(s.evidence_text)
    return out


CSS = """
.rc-sources details { border: 1px solid #ddd; border-radius: 6px; padding: 6px 8px; margin: 6px 0; }
.rc-sources summary { cursor: pointer; }
.rc-passage { white-space: pre-wrap; font-size: 0.9em; margin-top: 6px; }
.rc-empty { color: #666; font-style: italic; }
.rc-cited { background: #fff3b0; color: inherit; padding: 0 2px; border-radius: 3px; }
.rc-badge { font-size: 0.8em; background: #e8f0fe; border-radius: 4px; padding: 0 4px; }
.rc-timer { font-size: 1.4em; font-weight: bold; }
"""


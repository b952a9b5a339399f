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


def sources_html(hits: list[Hit], note: str = "") -> str:
    if not hits:
        body = note or "No passages yet. Ask a question to see the sources the answer is built on."
        return f"<div class='rc-sources rc-empty'>{html.escape(body)}</div>"
    items = []
    for n, hit in enumerate(hits, start=1):
        c = hit.chunk
        where = html.escape(source_label(c.source) + (f", page {c.page}" if c.page else ""))
        conf = f" · {html.escape(c.confidence)}" if c.confidence else ""
        items.append(
            f"<details class='rc-source' data-n='{n}'><summary><b>[{n}] {html.escape(c.title)}</b> › "
            f"{html.escape(c.section or '')}<br><small>{html.escape(c.company)} · {html.escape(c.round)} · "
            f"{html.escape(c.kind)}{conf} · <code>{where}</code></small></summary>"
            f"<div class='rc-passage'>{html.escape(c.text)}</div></details>"
        )
    head = f"<div class='rc-note'>{html.escape(note)}</div>" if note else ""
    return "<div class='rc-sources'>" + head + "".join(items) + "</div>"


CSS = """
.rc-sources details { border: 1px solid #ddd; border-radius: 6px; padding: 6px 8px; margin: 6px 0; }
.rc-sources summary { cursor: pointer; }
.rc-passage { white-space: pre-wrap; font-size: 0.9em; margin-top: 6px; }
.rc-empty { color: #666; font-style: italic; }
.rc-timer { font-size: 1.4em; font-weight: bold; }
"""


def scores_chart(feedback: dict):
    """Horizontal bars of the per-dimension scores (1–4) of one feedback object."""
    from matplotlib.figure import Figure

    names = [n.replace("_", " ") for n in feedback["dimensions"]][::-1]
    scores = [d["score"] for d in feedback["dimensions"].values()][::-1]
    fig = Figure(figsize=(6, 0.45 * len(names) + 0.8))
    ax = fig.add_subplot()
    colours = ["#d9534f" if s <= 1 else "#f0ad4e" if s == 2 else "#5bc0de" if s == 3 else "#5cb85c" for s in scores]
    ax.barh(names, scores, color=colours)
    ax.set_xlim(0, 4)
    ax.set_xticks([1, 2, 3, 4])
    ax.set_title(f"Overall {feedback['overall']}/4")
    fig.tight_layout()
    return fig

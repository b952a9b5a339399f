"""HTML/Markdown rendering of core results for the UI (presentation only)."""

from __future__ import annotations

import html
import logging

from rag_coach.documents.paths import CorpusPathError, corpus_relative
from rag_coach.retrieval.retriever import Hit
from rag_coach.textsafety import md_text

log = logging.getLogger(__name__)


def source_label(source: str) -> str:
    """The corpus-relative path shown for a source; a path that could leave the corpus is never shown."""
    try:
        return corpus_relative(source)
    except CorpusPathError as exc:
        log.warning("not showing a source path outside the corpus: %s", exc)
        return "(source path withheld: not inside the corpus)"


def _passage_html(text: str, cited: list[tuple[int, str]], n: int, turn: str = "") -> str:
    """The passage with the sentences an answer cites marked (``<mark id=...>``, see :func:`evidence_id`),
    everything escaped. ``cited``: (evidence index, evidence sentence) pairs of this passage."""
    flat = " ".join(text.split())
    spans: list[tuple[int, int, int]] = []
    for index, sentence in cited:
        needle = " ".join(sentence.rstrip("…").split())
        at = flat.find(needle) if needle else -1
        if at >= 0:
            spans.append((at, at + len(needle), index))
    if not spans:
        return html.escape(text)
    out, pos = [], 0
    for start, end, index in sorted(spans):
        if start < pos:
            continue
        out.append(html.escape(flat[pos:start]))
        out.append(f"<mark class='rc-cited' id='{evidence_id(turn, n, index)}'>{html.escape(flat[start:end])}</mark>")
        pos = end
    out.append(html.escape(flat[pos:]))
    return "".join(out)


def evidence_id(turn: str, passage: int, index: int) -> str:
    """The element id of one cited evidence sentence in the sources panel (``turn``: ids of an earlier
    turn's answer never point at the current turn's passages)."""
    return f"rc-ev-{turn}-{passage}-{index}" if turn else f"rc-ev-{passage}-{index}"


def sources_html(hits: list[Hit], note: str = "", cited: dict[int, list[tuple[int, str]]] | None = None,
                 turn: str = "") -> str:
    """The sources panel. ``cited``: passage number -> (index, sentence) of the evidence the answer cites
    from it; those passages open with the sentences highlighted, each with the id its citation links to."""
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
            f"<div class='rc-passage'>{_passage_html(c.text, used, n, turn)}</div></details>"
        )
    head = f"<div class='rc-note'>{html.escape(note)}</div>" if note else ""
    return "<div class='rc-sources'>" + head + "".join(items) + "</div>"


def _index(sentence) -> int:
    return int(sentence.evidence_key.rsplit(".", 1)[-1])


def cited_map(sentences) -> dict[int, list[tuple[int, str]]]:
    """Passage number -> (evidence index, evidence sentence) cited from it, from a turn's answer sentences."""
    out: dict[int, list[tuple[int, str]]] = {}
    for s in sentences:
        item = (_index(s), s.evidence_text)
        if item not in out.setdefault(s.passage, []):
            out[s.passage].append(item)
    return out


def linked_answer(answer: str, sentences, turn: str = "") -> str:
    """The answer as safe Markdown (:func:`md_text`) in which each sentence's citation marker [n] is a link
    to the evidence sentence it was written from (:func:`evidence_id`); ``CITE_JS`` handles the click.
    A sentence not found in the answer keeps a plain marker."""
    text = md_text(answer)
    out, pos = [], 0
    for s in sentences:
        piece = md_text(s.render())
        at = text.find(piece, pos)
        marker = f"&#91;{s.passage}&#93;"
        cut = piece.rfind(marker)
        if at < 0 or cut < 0:
            continue
        target = evidence_id(turn, s.passage, _index(s))
        link = (f"<a class=\"rc-cite\" href=\"#{target}\" title=\"Show the cited sentence in source "
                f"{s.passage}\">{marker}</a>")
        out += [text[pos:at], piece[:cut], link, piece[cut + len(marker):]]
        pos = at + len(piece)
    out.append(text[pos:])
    return "".join(out)


CSS = """
.rc-sources details { border: 1px solid #ddd; border-radius: 6px; padding: 6px 8px; margin: 6px 0; }
.rc-sources summary { cursor: pointer; }
.rc-passage { white-space: pre-wrap; font-size: 0.9em; margin-top: 6px; }
.rc-empty { color: #666; font-style: italic; }
.rc-cited { background: #fff3b0; color: inherit; padding: 0 2px; border-radius: 3px; }
.rc-badge { font-size: 0.8em; background: #e8f0fe; border-radius: 4px; padding: 0 4px; }
.rc-timer { font-size: 1.4em; font-weight: bold; }
a.rc-cite { text-decoration: none; font-weight: 600; cursor: pointer; color: var(--link-text-color, #2563eb); }
.rc-cited.rc-flash { background: #ffc94d; outline: 2px solid #e69500; transition: background 0.3s; }
"""

# A click on a citation link: open its passage, scroll the cited sentence into view, emphasise it briefly.
# Event delegation (the chat re-renders its messages); a link whose sentence is no longer in the panel
# (an earlier turn's answer) does nothing rather than jump to another turn's passage.
CITE_JS = """<script>
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a.rc-cite") : null;
  if (!link) return;
  event.preventDefault();
  var target = document.getElementById((link.getAttribute("href") || "").slice(1));
  if (!target) return;
  var passage = target.closest("details");
  if (passage) passage.open = true;
  target.setAttribute("tabindex", "-1");
  target.focus({preventScroll: true});
  target.scrollIntoView({block: "center"});
  document.querySelectorAll(".rc-flash").forEach(function (el) { el.classList.remove("rc-flash"); });
  target.classList.add("rc-flash");
  setTimeout(function () { target.classList.remove("rc-flash"); }, 2000);
}, true);
</script>"""

"""Progress tab: history, per-topic averages chart, weakest topics, export and delete."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from rag_coach.progress.store import ProgressStore
from rag_coach.services import Services
from rag_coach.textsafety import md_text

EXPORTS = Path(tempfile.gettempdir()) / "rag_coach_exports"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_MD_LITERAL = re.compile(r"([\\`*_~])")  # backslash, code, emphasis, strikethrough
_SLUG_MAX = 64


def profile_md(profile_name: str) -> str:
    """A profile (or topic) name for Markdown, shown literally: on one line, no HTML, no link, no emphasis, no code span."""
    one_line = " ".join((profile_name or "default").split())
    return md_text(_MD_LITERAL.sub(r"\\\1", one_line))


def profile_slug(profile_name: str) -> str:
    """A file-name-safe form of a profile name: only ASCII letters, digits, ``-`` and ``_``.

    A name that had to be changed gets a short hash of the original, so two different names (``a/b``
    and ``a_b``) never share an export file.
    """
    name = profile_name or "default"
    slug = _UNSAFE.sub("_", name).strip("_-")[:_SLUG_MAX]
    if slug == name:
        return slug
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{slug}-{digest}" if slug else digest


def export_progress(store: ProgressStore, profile_name: str, folder: Path | None = None) -> Path:
    """Write one profile's history as JSON into ``folder`` (default :data:`EXPORTS`), under a file name
    that cannot leave it."""
    name = profile_name or "default"
    path = (folder or EXPORTS) / f"rag_coach_history_{profile_slug(name)}.json"
    return store.export_json(name, path)


def load_progress(store: ProgressStore, profile_name: str) -> tuple[str, Any, list[list[Any]]]:
    """Summary text, per-topic chart and history rows of one profile, with the store's notice (if any) on top."""
    from rag_coach.progress.plot import topic_chart

    name = profile_name or "default"
    attempts = store.history(name)
    stats = store.topic_averages(name)
    weakest = store.weakest_topics(name, n=3)
    rows = [[a.finished_at[:16].replace("T", " "), a.company, a.round, a.topic, a.difficulty, a.question_id, a.overall,
             a.hints_used, round(a.time_used_s / 60, 1)] for a in attempts]
    if attempts:
        weak = ", ".join(f"{profile_md(s.topic.replace('_', ' '))} ({s.mean_overall:.1f})" for s in weakest)
        text = f"**{len(attempts)} finished interviews** for profile “{profile_md(name)}”. Weakest topics: {weak}."
    else:
        text = f"No finished interviews yet for profile “{profile_md(name)}”. Run a mock interview to see progress here."
    if store.notice:  # a damaged database was moved aside and a fresh one started
        text = f"**Notice:** {store.notice}\n\n{text}"
    return text, topic_chart(stats), rows


def build_progress_tab(services: Services, profile: gr.Textbox, tab: gr.Tab) -> None:
    refresh = gr.Button("Refresh", elem_id="pg-refresh")
    summary = gr.Markdown("", elem_id="pg-summary")
    chart = gr.Plot(label="Mean score per topic", elem_id="pg-chart")
    history = gr.Dataframe(headers=["finished", "company", "round", "topic", "difficulty", "question", "overall", "hints", "minutes"],
                           label="History", interactive=False, elem_id="pg-history")
    with gr.Row():
        export = gr.Button("Export my history (JSON)", elem_id="pg-export")
        confirm = gr.Checkbox(label="Yes, delete all of this profile's history", value=False, elem_id="pg-confirm")
        delete = gr.Button("Delete my history", variant="stop", elem_id="pg-delete")
    export_file = gr.File(label="Export", visible=False, elem_id="pg-export-file")

    def load(profile_name: str):
        return load_progress(services.progress, profile_name)

    def do_export(profile_name: str):
        path = export_progress(services.progress, profile_name)
        return gr.update(value=str(path), visible=True)

    def do_delete(profile_name: str, sure: bool):
        if not sure:
            return "Tick the box to confirm deleting this profile's history.", gr.update(), gr.update(), False
        removed = services.progress.delete(profile_name or "default")
        text, fig, rows = load(profile_name)
        return f"Deleted {removed} interviews. " + text, fig, rows, False

    refresh.click(load, [profile], [summary, chart, history], api_name=False)
    tab.select(load, [profile], [summary, chart, history], api_name=False)
    export.click(do_export, [profile], [export_file], api_name=False)
    delete.click(do_delete, [profile, confirm], [summary, chart, history, confirm], api_name=False)

"""Progress tab: history, per-topic averages chart, weakest topics, export and delete."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from rag_coach.services import Services

EXPORTS = Path(tempfile.gettempdir()) / "rag_coach_exports"


def build_progress_tab(services: Services, profile: gr.Textbox, tab: gr.Tab) -> None:
    from rag_coach.progress.plot import topic_chart

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
        name = profile_name or "default"
        store = services.progress
        attempts = store.history(name)
        stats = store.topic_averages(name)
        weakest = store.weakest_topics(name, n=3)
        rows = [[a.finished_at[:16].replace("T", " "), a.company, a.round, a.topic, a.difficulty, a.question_id, a.overall,
                 a.hints_used, round(a.time_used_s / 60, 1)] for a in attempts]
        if attempts:
            weak = ", ".join(f"{s.topic.replace('_', ' ')} ({s.mean_overall:.1f})" for s in weakest)
            text = f"**{len(attempts)} finished interviews** for profile `{name}`. Weakest topics: {weak}."
        else:
            text = f"No finished interviews yet for profile `{name}`. Run a mock interview to see progress here."
        return text, topic_chart(stats), rows

    def do_export(profile_name: str):
        EXPORTS.mkdir(parents=True, exist_ok=True)
        path = services.progress.export_json(profile_name or "default", EXPORTS / f"rag_coach_history_{profile_name or 'default'}.json")
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

"""Mock interview tab: question from the bank, visible timer, hints, follow-ups, rubric feedback."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import gradio as gr

from rag_coach.errors import UserFacingError, friendly
from rag_coach.practice import RECOMMEND, Started
from rag_coach.services import Services
from rag_coach.textsafety import md_text
from rag_coach.ui.feedback_view import render_markdown, scores_chart
from rag_coach.voice.ui import voice_input

log = logging.getLogger(__name__)
ANY = "any"
DOWNLOADS = Path(tempfile.gettempdir()) / "rag_coach_feedback"


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"Time left: {seconds // 60:02d}:{seconds % 60:02d}"


def _question_md(started: Started, registry) -> str:
    q = started.session.question
    head = f"**{registry.company_name(started.session.company)} · {registry.round_name(q.round)} · {q.topic.replace('_', ' ')} · {q.difficulty}**  (`{q.id}`)"
    why = f"\n\n_{md_text(started.reason)}_" if started.reason else ""
    return f"{head}{why}\n\n### Question\n{md_text(q.prompt)}"


def delivery_view(delivery: dict | None) -> str:
    """The delivery metrics of a spoken answer, shown beside its rubric feedback ("" for a typed answer)."""
    if not delivery:
        return ""
    from rag_coach.voice.delivery import Delivery, render_markdown as delivery_markdown

    return delivery_markdown(Delivery.from_dict(delivery))


def build_interview_tab(services: Services, profile: gr.Textbox) -> None:
    registry = services.registry
    topics_for = lambda rnd: [("Recommend for me", RECOMMEND), ("Any topic", ANY)] + [  # noqa: E731
        (t.replace("_", " "), t) for t in registry.topics.get(rnd, ())]
    state = gr.State(None)
    with gr.Row():
        company = gr.Dropdown([(n, s) for s, n in registry.companies.items()], value="amazon", label="Company", elem_id="iv-company")
        round_ = gr.Dropdown([(n, s) for s, n in registry.rounds.items() if s != "all"], value="coding", label="Round", elem_id="iv-round")
        difficulty = gr.Dropdown([("Any", ANY)] + [(d, d) for d in registry.difficulties], value=ANY, label="Difficulty", elem_id="iv-difficulty")
        topic = gr.Dropdown(topics_for("coding"), value=ANY, label="Topic", elem_id="iv-topic")
        minutes = gr.Number(value=services.settings.interview.default_time_limit_min, label="Minutes", precision=0, minimum=1, elem_id="iv-minutes")
    start = gr.Button("Start interview", variant="primary", elem_id="iv-start")
    timer_md = gr.Markdown("", elem_id="iv-timer", elem_classes=["rc-timer"])
    question_md = gr.Markdown("Choose a company, round and topic, then start.", elem_id="iv-question")
    transcript = gr.Markdown("", elem_id="iv-transcript")
    answer = gr.Textbox(label="Your answer (explain your approach as you would out loud)", lines=8, elem_id="iv-answer")
    voice_input(services, state, answer)  # voice practice: record/upload, transcript fills the box
    code = gr.Code(label="Code", language="python", lines=12, visible=True, elem_id="iv-code")
    with gr.Row():
        hint = gr.Button("Hint", elem_id="iv-hint")
        follow = gr.Button("Ask me a follow-up", elem_id="iv-follow")
        finish = gr.Button("Finish and get feedback", variant="primary", elem_id="iv-finish")
    follow_answer = gr.Textbox(label="Answer to the follow-up", lines=3, elem_id="iv-follow-answer")
    voice_input(services, state, follow_answer, key="follow", keep_delivery=False)
    send_follow = gr.Button("Send follow-up answer", elem_id="iv-follow-send")
    status = gr.Markdown("", elem_id="iv-status")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            feedback_md = gr.Markdown("", elem_id="iv-feedback")
        with gr.Column(scale=1, min_width=280):
            delivery_md = gr.Markdown("", elem_id="iv-feedback-delivery")  # a spoken answer: beside the rubric feedback
    scores = gr.Plot(label="Scores (1–4)", visible=False, elem_id="iv-scores")
    download = gr.File(label="Feedback JSON", visible=False, elem_id="iv-download")
    ticker = gr.Timer(1.0, active=False)

    round_.change(lambda r: (gr.update(choices=topics_for(r), value=ANY), gr.update(visible=r == "coding")),
                  [round_], [topic, code], api_name=False)

    def on_start(profile_name, company_slug, round_slug, diff, top, mins):
        try:
            started = services.practice.start(profile_name or "default", company_slug, round_slug,
                                              None if diff == ANY else diff, None if top == ANY else top, float(mins or 45))
        except (LookupError, ValueError, *UserFacingError) as exc:
            return None, "", f"**Error:** {exc}", "", gr.Timer(active=False), "", "", gr.update(visible=False), gr.update(visible=False)
        remaining = services.interviews.remaining_s(started.session)
        return (started, _clock(remaining), _question_md(started, registry), "", gr.Timer(active=True), "", "",
                gr.update(visible=False), gr.update(visible=False))

    def on_tick(started: Started | None, answer_text: str, code_text: str):
        if started is None or started.session.finished:
            return gr.update(), gr.Timer(active=False)
        services.interviews.draft(started.session, answer_text or "", code_text or "")  # evaluated in the background
        remaining = services.interviews.remaining_s(started.session)
        text = _clock(remaining) if remaining > 0 else "Time is up — finish when you are ready."
        return text, gr.Timer(active=True)  # ticks on after time is up: the draft is still sent

    def on_hint(started: Started | None, log_md: str):
        if started is None:
            return log_md + "\n\n_Start an interview first._"
        text = services.interviews.hint(started.session)
        n = len(started.session.hints_used)
        return log_md + f"\n\n**Hint {n}/3:** {md_text(text)}"

    def on_follow(started: Started | None, log_md: str):
        if started is None:
            return log_md + "\n\n_Start an interview first._"
        text = services.interviews.follow_up(started.session)
        return log_md + (f"\n\n**Interviewer (follow-up):** {md_text(text)}" if text else "\n\n_No more follow-ups for this question._")

    def on_follow_answer(started: Started | None, log_md: str, text: str):
        if started is None or not text.strip():
            return log_md, text
        try:
            notice = services.interviews.answer_follow_up(started.session, text)
        except RuntimeError as exc:
            return log_md + f"\n\n_{md_text(str(exc))}_", text
        cut = f"\n\n_{md_text(notice)}_" if notice else ""
        return log_md + f"\n\n**You:** {md_text(started.session.follow_up_answers[-1])}{cut}", ""

    def on_finish(profile_name, started: Started | None, answer_text: str, code_text: str):
        if started is None:
            yield "_Start an interview first._", "", "", gr.update(), gr.update(), gr.Timer(active=False)
            return
        hidden = (gr.update(visible=False), gr.update(visible=False), gr.Timer(active=False))
        yield "Grading your answer with the local model… (this can take a minute on a CPU)", "", "", *hidden
        run = services.interviews.check_code(started.session, answer_text or "", code_text or "")  # seconds, no model
        if run is not None and run.status in ("passed", "failed", "error"):
            yield (f"**Example tests:** {md_text(run.summary())} Grading the rest with the local model… "
                   "(this can take a minute on a CPU)", "", "", *hidden)
        try:
            result = services.practice.finish(profile_name or "default", started, answer_text or "", code_text or "")
        except UserFacingError as exc:
            yield f"**Error:** {md_text(friendly(exc))}", "", "", *hidden
            return
        cut = "".join(f" _{md_text(n)}_" for n in started.session.input_notices)
        if result.status == "refused":
            yield f"**Not scored.** {md_text(result.reason)}{cut}", "", "", *hidden
            return
        if result.status != "ok" or result.feedback is None:
            yield (f"**Feedback failed**: {md_text(result.reason)} No score was given rather than an invented one; try again.{cut}",
                   "", "", *hidden)
            return
        path = services.practice.feedback_file(result, DOWNLOADS, started.session.id)
        yield (f"Feedback ready: overall **{result.feedback.overall}/4**.{cut}", render_markdown(result.feedback, services.question_bank),
               delivery_view(started.delivery), gr.update(value=scores_chart(result.feedback), visible=True),
               gr.update(value=str(path), visible=True), gr.Timer(active=False))

    start.click(on_start, [profile, company, round_, difficulty, topic, minutes],
                [state, timer_md, question_md, transcript, ticker, feedback_md, delivery_md, scores, download], api_name=False)
    ticker.tick(on_tick, [state, answer, code], [timer_md, ticker], api_name=False, show_progress="hidden")
    hint.click(on_hint, [state, transcript], [transcript], api_name=False)
    follow.click(on_follow, [state, transcript], [transcript], api_name=False)
    send_follow.click(on_follow_answer, [state, transcript, follow_answer], [transcript, follow_answer], api_name=False)
    finish.click(on_finish, [profile, state, answer, code], [status, feedback_md, delivery_md, scores, download, ticker],
                 api_name="finish_interview")

"""Coach chat tab: company/round selectors, streaming answers, a sources panel shown before the answer."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag_coach.coach.chat import ChatSession
from rag_coach.errors import UserFacingError, friendly
from rag_coach.services import Services
from rag_coach.textsafety import clean_input, md_text
from rag_coach.ui.render import cited_map, linked_answer, source_label, sources_html

log = logging.getLogger(__name__)


def status_line(services: Services) -> str:
    info = services.backend.info  # constructing a backend loads nothing
    adapter = info.adapter.rsplit("/", 1)[-1] if info.adapter else "none"
    return f"**Backend:** {info.backend} · **Model:** {info.model} · **Adapter:** {adapter}"


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return [(name, slug) for slug, name in mapping.items()]


def build_chat_tab(services: Services) -> None:
    registry = services.registry
    session_state = gr.State(None)
    with gr.Row():
        company = gr.Dropdown(_choices(registry.companies), value="amazon" if "amazon" in registry.companies else "general",
                              label="Target company", elem_id="rc-company")
        round_ = gr.Dropdown(_choices(registry.rounds), value="behavioral" if "behavioral" in registry.rounds else "all",
                             label="Round", elem_id="rc-round")
    gr.Markdown(status_line(services), elem_id="rc-status")
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Coach", height=460, elem_id="rc-chat")
            question = gr.Textbox(label="Your question", placeholder="e.g. How do Amazon interviewers probe Ownership?",
                                  elem_id="rc-question", lines=2)
            with gr.Row():
                send = gr.Button("Ask", variant="primary", elem_id="rc-ask")
                clear = gr.Button("Clear", elem_id="rc-clear")
                new = gr.Button("New session", elem_id="rc-new")
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            sources = gr.HTML(sources_html([]), elem_id="rc-sources")

    def ensure(state: ChatSession | None, company_slug: str, round_slug: str) -> ChatSession:
        return state if state is not None else ChatSession(company=company_slug, round=round_slug)

    def on_select(company_slug: str, round_slug: str, history: list[dict[str, Any]], state: ChatSession | None):
        state = ensure(state, company_slug, round_slug)
        state.company, state.round = company_slug, round_slug
        note = f"Now coaching for {registry.company_name(company_slug)} · {registry.round_name(round_slug)} (applies from the next question)."
        return [*history, {"role": "assistant", "content": f"_{note}_"}], state

    def respond(message: str, history: list[dict[str, Any]], state: ChatSession | None, company_slug: str,
                round_slug: str) -> Iterator[tuple]:
        state = ensure(state, company_slug, round_slug)
        state.company, state.round = company_slug, round_slug
        clean = clean_input(message, services.settings.coach.max_message_chars)  # as Coach.clean_question; needs no index
        if not clean.text.strip():
            yield history, gr.update(), state, ""
            return
        history = [*history, {"role": "user", "content": md_text(clean.text)}]
        notice = clean.notice()
        if notice:
            history.append({"role": "assistant", "content": f"_{md_text(notice)}_"})
        history.append({"role": "assistant", "content": "…"})
        panel = sources_html([], "Searching the corpus…")
        yield history, panel, state, ""
        answer = ""
        retrieved = False

        def failed(text: str) -> dict[str, str]:
            partial = f"{md_text(answer)}\n\n_(answer interrupted)_\n\n" if answer.strip() else ""
            return {"role": "assistant", "content": f"{partial}**Error:** {md_text(text)}"}

        try:
            for event in services.coach.turn(state, clean.text):
                if event.kind == "sources":
                    retrieved = True
                    note = "" if event.sources else "Nothing relevant in the corpus for this question."
                    panel = sources_html(event.sources or [], note)
                elif event.kind == "token":
                    answer += event.text
                    history[-1] = {"role": "assistant", "content": md_text(answer)}
                elif event.kind == "done" and event.result is not None:
                    result = event.result
                    turn = uuid.uuid4().hex[:8]  # citation links of this answer point at this panel only
                    history[-1] = {"role": "assistant",
                                   "content": linked_answer(result.answer, result.sentences, turn) or "(no answer)"}
                    history += [{"role": "assistant", "content": f"_Warning: {md_text(w)}_"} for w in result.warnings]
                    if result.sources:
                        note = ("Not covered: the passages below are the nearest the corpus has." if result.refused
                                else "Highlighted: the sentences the answer cites.")
                        panel = sources_html(result.sources, note, cited_map(result.sentences), turn)
                yield history, panel, state, ""
        except UserFacingError as exc:
            history[-1] = failed(f"{friendly(exc)} Your conversation is kept: ask again once this is fixed.")
            yield history, panel if retrieved else sources_html([], "No sources: the question could not be answered."), state, ""
        except Exception as exc:  # never a traceback in the chat
            log.exception("chat turn failed")
            history[-1] = failed(f"Something went wrong ({type(exc).__name__}: {exc}). "
                                 "Check the terminal log; your conversation is kept.")
            yield history, panel, state, ""

    def sources_api(question: str, company: str, round: str) -> list[dict[str, Any]]:
        """Retrieval only, no model: the passages the coach would use (for tools and load tests)."""
        try:
            hits, _ = services.coach.sources(question or "", company, round)
        except (ValueError, *UserFacingError) as exc:
            raise gr.Error(friendly(exc)) from None
        # "source" flattened to "file"/"page": a {"path": ...} object would look like a file to download to API clients
        return [{**{k: v for k, v in h.to_dict().items() if k != "source"}, "file": source_label(h.chunk.source),
                 "page": h.chunk.page} for h in hits]

    def on_clear(state: ChatSession | None, company_slug: str, round_slug: str):
        state = ensure(state, company_slug, round_slug)
        state.history.clear()
        return [], sources_html([]), state

    def on_new(company_slug: str, round_slug: str):
        return [], sources_html([]), ChatSession(company=company_slug, round=round_slug)

    company.change(on_select, [company, round_, chatbot, session_state], [chatbot, session_state])
    round_.change(on_select, [company, round_, chatbot, session_state], [chatbot, session_state])
    inputs = [question, chatbot, session_state, company, round_]
    outputs = [chatbot, sources, session_state, question]
    # Chat turns share one queue slot pool; the model itself answers one at a time (SerializedBackend),
    # so a waiting turn already shows its sources. Retrieval-only calls are not limited by the queue.
    # show_progress="hidden": the panel says "Searching…" itself, and Gradio's status announcer would
    # otherwise print its untranslated key "common.complete" into the page after each turn
    send.click(respond, inputs, outputs, api_name="ask", concurrency_id="chat", show_progress="hidden")
    question.submit(respond, inputs, outputs, api_name=False, concurrency_id="chat", show_progress="hidden")
    gr.api(sources_api, api_name="sources", concurrency_limit=None)
    clear.click(on_clear, [session_state, company, round_], [chatbot, sources, session_state], api_name=False)
    new.click(on_new, [company, round_], [chatbot, sources, session_state], api_name=False)

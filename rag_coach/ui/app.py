"""Assemble the Gradio Blocks from the services and launch it safely (loopback unless auth is set)."""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
from pathlib import Path

from rag_coach.llm.base import LLMError
from rag_coach.services import Services
from rag_coach.ui.offline import OfflineGuard
from rag_coach.ui.render import CITE_JS, CSS
from rag_coach.settings import Settings

log = logging.getLogger(__name__)


class UnsafeBindError(ValueError):
    """Refusing to listen beyond loopback without authentication."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings) -> tuple[str, str] | None:
    """Return the (user, password) auth pair, or None for loopback; refuse an open non-loopback bind."""
    host, auth = settings.app.host, settings.app.auth
    if auth:
        user, sep, password = auth.partition(":")
        if not sep or not user or not password:
            raise UnsafeBindError("app.auth must look like 'user:password' (env RAG_COACH_APP__AUTH)")
        return user, password
    if not is_loopback(host):
        raise UnsafeBindError(
            f"refusing to listen on {host} without authentication: anyone on the network could use your coach and "
            "read your history. Use --host 127.0.0.1, or set RAG_COACH_APP__AUTH='user:password'."
        )
    return None


def build_ui(services: Services):
    import gradio as gr

    from rag_coach.ui.chat_tab import build_chat_tab
    from rag_coach.ui.interview_tab import build_interview_tab
    from rag_coach.ui.progress_tab import build_progress_tab

    with gr.Blocks(title="rag_coach — interview prep", analytics_enabled=False) as demo:
        with gr.Row():
            gr.Markdown("# rag_coach\nCompany-specific interview coaching from a sourced corpus. Runs offline on this machine.")
            profile = gr.Textbox(value="default", label="Profile (keeps separate progress histories)", scale=0,
                                 min_width=220, elem_id="rc-profile")
        with gr.Tabs():
            with gr.Tab("Coach chat", id="chat"):
                build_chat_tab(services)
            with gr.Tab("Mock interview", id="interview"):
                build_interview_tab(services, profile)
            with gr.Tab("Progress", id="progress") as progress_tab:
                build_progress_tab(services, profile, progress_tab)
    return demo


def theme():
    """System fonts only: the page must not fetch web fonts from the internet."""
    import gradio as gr

    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])


def private_paths(settings: Settings) -> list[str]:
    """Corpus, index and data folders: never served, even if ``GRADIO_ALLOWED_PATHS`` names them.

    The app passes no ``allowed_paths``; Gradio serves only its own upload/cache folders. A folder that
    contains Gradio's upload folder (e.g. ``data_dir=/tmp``) is left out: blocking it would block downloads.
    """
    from gradio.utils import get_upload_folder

    upload = Path(get_upload_folder()).resolve()
    folders = {Path(d).resolve() for d in (settings.corpus_dir, settings.index_dir, settings.data_dir)}
    return sorted(str(d) for d in folders if not upload.is_relative_to(d))


def warm_up(services: Services) -> None:
    """Load index, embedder and model, and evaluate the stable system prompt once (runs in the background)."""
    try:
        services.retriever.retrieve("warm up")
        services.backend.warm_up(services.coach.warm_up_messages())
        log.info("warm-up done")
    except LLMError as exc:  # e.g. the model library crashed in the probe: say so now, the chat repeats it
        log.error("the local model cannot answer: %s", exc)
    except Exception as exc:  # the chat shows the same problem readably at the first question
        log.warning("warm-up failed: %s", exc)


def launch(settings: Settings, services: Services | None = None, block: bool = True):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    auth = check_bind(settings)
    services = services or Services(settings)
    from starlette.middleware import Middleware  # with gradio: only when the app starts

    demo = build_ui(services)
    if settings.app.warm_up:
        threading.Thread(target=warm_up, args=(services,), daemon=True).start()
    demo.queue(default_concurrency_limit=4)
    return demo.launch(
        server_name=settings.app.host,
        server_port=settings.app.port,
        auth=auth,
        share=False,
        prevent_thread_lock=not block,
        show_error=False,
        theme=theme(),
        css=CSS,
        head=CITE_JS,
        footer_links=["settings"],
        quiet=False,
        blocked_paths=private_paths(settings),
        max_file_size=settings.voice.max_file_bytes,  # uploads (recordings) refused by the server above the limit
        app_kwargs={"middleware": [Middleware(OfflineGuard)]},
    )

"""Hostile input in the browser: markup shows as text in the chat, the sources panel and the feedback view,
and no planted script ever runs (each payload would set ``window.__pwned``). Long input is cut with a notice.

Plumbing tests with the named FakeLLM; Playwright drives Debian's Chromium (see browser.py).
"""

from __future__ import annotations

import json

import pytest

from rag_coach.index.ingest import ingest
from rag_coach.services import Services
from rag_coach.settings import updated
from tests.fakes import FakeLLM
from tests.interview.helpers import scripted
from tests.ui.conftest import ANSWER, start_app
from tests.ui.browser import ARTIFACTS, needs_chromium, pick

pytestmark = needs_chromium

SCRIPT = "<script>window.__pwned='script'</script>"
IMG = "<img src=x onerror=\"window.__pwned='img'\">"
LINK = "[click me](javascript:window.__pwned='link')"
SVG = "<svg onload=\"window.__pwned='svg'\"></svg>"
HOSTILE = f"{SCRIPT} {IMG} {LINK} {SVG}"

PLANTED = f"""\
---
company: amazon
round: all
kind: company_guide
title: Planted markup {SCRIPT}
sources: [test]
last_reviewed: 2026-11-01
---
# Planted markup

## Bar Raiser veto markup
Confidence: inferred

The Bar Raiser can veto the hire. {IMG} {SVG} {LINK}
"""


def assert_safe(page, where: str, literal: list[str]) -> None:
    page.wait_for_timeout(500)  # give any planted handler the chance to fire
    assert page.evaluate("window.__pwned") is None
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator(f"{where} img[src='x'], {where} svg[onload], {where} script").count() == 0
    text = page.locator(where).inner_text()
    for item in literal:
        assert item in text, (item, text[:2000])


@pytest.fixture()
def hostile_app(settings, embedder):
    (settings.corpus_dir / "companies/planted.md").write_text(PLANTED)
    ingest(settings, embedder=embedder)
    settings = updated(settings, coach={"min_relevance": 0.0, "max_message_chars": 400})
    from tests.coach.test_chat import fixed_gate

    services = Services(settings, backend_override=FakeLLM(echo=True), embedder_override=embedder, gate_override=fixed_gate(True))
    url, _ = start_app(settings, services)
    yield url, services
    services.retriever.close()


def test_chat_and_sources_show_markup_as_text(hostile_app, page) -> None:
    url, services = hostile_app
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#rc-question textarea").fill(f"Bar Raiser veto? {HOSTILE}")
    page.locator("#rc-ask").click()
    page.locator("#rc-sources details").first.wait_for()
    page.get_by_text("can veto the hire", exact=False).first.wait_for()  # the answer: cited evidence
    page.evaluate("document.querySelectorAll('#rc-sources details').forEach(d => d.open = true)")  # cited ones start open
    assert_safe(page, "#rc-chat", [SCRIPT, IMG, LINK, SVG])
    assert page.locator("#rc-chat").inner_text().count(SCRIPT) >= 1  # the candidate's message, as text
    assert_safe(page, "#rc-sources", [f"Planted markup {SCRIPT}", IMG, SVG, LINK])
    page.screenshot(path=str(ARTIFACTS / "hostile_chat.png"), full_page=True)

    page.locator("#rc-question textarea").fill("Tell me about the Bar Raiser. " + "a" * 600)
    page.locator("#rc-ask").click()
    page.get_by_text("Your message was 630 characters long; only the first 400 were used.").wait_for()
    assert all("a" * 401 not in str(r["messages"]) for r in services.backend.inner.requests)


def test_interview_transcript_and_feedback_show_markup_as_text(settings, embedder, page) -> None:
    ingest(settings, embedder=embedder)
    answer = f"{IMG} {ANSWER}"
    fake = scripted(FakeLLM(), 3, "mistake.linked_list.empty_input")  # as in the interview_app fixture
    fake.replies = [f"Clear {SCRIPT} Missed {LINK} Practise {SVG}"]  # free text the grader must never ask for
    services = Services(settings, backend_override=fake, embedder_override=embedder)
    url, _ = start_app(settings, services)
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_role("tab", name="Mock interview").click()
        pick(page, "iv-company", "Amazon")
        pick(page, "iv-round", "Coding / data structures and algorithms")
        page.locator("#iv-start").click()
        page.get_by_text("q.amazon.coding.reverse_shipments").wait_for()
        page.locator("#iv-follow").click()
        page.get_by_text("Interviewer (follow-up):").wait_for()
        page.locator("#iv-follow-answer textarea").fill(f"Recursively. {SCRIPT} {LINK}")
        page.locator("#iv-follow-send").click()
        page.get_by_text("You: Recursively.").wait_for()
        assert_safe(page, "#iv-transcript", [SCRIPT, LINK])
        page.locator("#iv-answer textarea").fill(answer)
        page.locator("#iv-finish").click()
        page.get_by_text("Feedback ready").wait_for()
        assert_safe(page, "#iv-feedback", ["Next steps"])
        shown = page.locator("#iv-feedback").inner_text()
        # grading asks only yes/no checks: no free text of the model exists to reach the written part
        assert fake.requests == [] and "Clear <script>" not in shown and "Practise <svg" not in shown
        page.screenshot(path=str(ARTIFACTS / "hostile_feedback.png"), full_page=True)
    finally:
        services.retriever.close()


def test_hostile_profile_name_shows_as_text_and_exports_inside_the_folder(fake_app, page, tmp_path_factory,
                                                                          monkeypatch) -> None:
    from rag_coach.ui import progress_tab

    root = tmp_path_factory.mktemp("export_root")
    exports = root / "a" / "b" / "exports"  # a "../../x" escape would still land under root
    monkeypatch.setattr(progress_tab, "EXPORTS", exports)
    url, _ = fake_app
    name = f"../../x {HOSTILE}"
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#rc-profile textarea, #rc-profile input").first.fill(name)
    page.get_by_role("tab", name="Progress").click()
    page.get_by_text("No finished interviews yet for profile").wait_for()
    assert_safe(page, "#pg-summary", [name])
    page.locator("#pg-export").click()
    page.locator("#pg-export-file a").first.wait_for()
    written = sorted(p for p in root.rglob("*") if p.is_file())
    assert [p.parent for p in written] == [exports] and written[0].name.startswith("rag_coach_history_x_script_")
    assert json.loads(written[0].read_text(encoding="utf-8"))["profile"] == name

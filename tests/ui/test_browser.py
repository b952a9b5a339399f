"""Browser tests: Playwright driving Debian's Chromium against the running app. Screenshots go to artifacts/."""

from __future__ import annotations

from tests.ui.browser import ARTIFACTS, needs_chromium, pick

pytestmark = needs_chromium


def test_chat_shows_sources_then_a_streamed_cited_answer(fake_app, page) -> None:
    url, services = fake_app
    page.goto(url, wait_until="domcontentloaded")
    pick(page, "rc-company", "Google")
    pick(page, "rc-round", "Behavioral")
    page.get_by_text("Now coaching for Google · Behavioral").wait_for()
    page.locator("#rc-question textarea").fill("What is Googleyness?")
    page.locator("#rc-ask").click()
    page.locator("#rc-sources details").first.wait_for()
    sources = page.locator("#rc-sources").inner_text()
    assert "Googleyness" in sources and "companies/google.md" in sources and "amazon.md" not in sources
    page.get_by_text("Googleyness covers comfort with ambiguity, bias to action and a collaborative nature [1].").wait_for()
    # the cited passage opens with the exact cited sentence highlighted
    mark = page.locator("#rc-sources details[open] mark.rc-cited").first
    mark.wait_for()
    assert mark.inner_text() == "Googleyness covers comfort with ambiguity, bias to action and a collaborative nature."
    assert "Backend:" in page.locator("#rc-status").inner_text()
    page.wait_for_timeout(500)
    assert "common.complete" not in page.locator("body").inner_text()  # no untranslated Gradio status key
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
    page.locator("#rc-new").click()
    page.get_by_text("Googleyness covers comfort with ambiguity, bias to action and a collaborative nature [1].").wait_for(
        state="detached")


def test_mock_interview_with_hint_and_follow_up_then_feedback_and_progress(interview_app, page) -> None:
    from tests.ui.conftest import ANSWER

    url, services = interview_app
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("tab", name="Mock interview").click()
    pick(page, "iv-company", "Amazon")
    pick(page, "iv-round", "Coding / data structures and algorithms")
    page.locator("#iv-start").click()
    page.get_by_text("q.amazon.coding.reverse_shipments").wait_for()
    assert "Time left: " in page.locator("#iv-timer").inner_text()
    page.locator("#iv-hint").click()
    page.get_by_text("Hint 1/3: Think about three pointers").wait_for()
    page.locator("#iv-follow").click()
    page.get_by_text("Interviewer (follow-up): Do it recursively").wait_for()
    page.locator("#iv-follow-answer textarea").fill("Recursively I would reverse the rest and fix the next pointer.")
    page.locator("#iv-follow-send").click()
    page.get_by_text("You: Recursively I would reverse").wait_for()
    warmed: list[str] = []  # the fake model records what the background warm-up evaluates ahead
    services.backend.inner.warm_up = lambda messages: warmed.append(messages[-1]["content"])
    page.locator("#iv-answer textarea").fill(ANSWER)
    for _ in range(40):  # the clock's tick sends the draft; the warm-up evaluates it
        if any(ANSWER.split(".")[0] in text for text in warmed):
            break
        page.wait_for_timeout(250)
    assert any(ANSWER.split(".")[0] in text and "Recursively I would reverse" in text for text in warmed)
    page.locator("#iv-finish").click()
    page.get_by_text("Feedback ready").wait_for()
    feedback = page.locator("#iv-feedback").inner_text()
    assert "Forgets the empty list" in feedback and "mistake.linked_list.empty_input" in feedback
    assert "hints used: 1" in feedback
    page.locator("#iv-download").wait_for()
    page.screenshot(path=str(ARTIFACTS / "interview_feedback.png"), full_page=True)
    grading_prompt = services.backend.inner.checks[-1][-1]["content"]
    assert "Recursively I would reverse" in grading_prompt  # the follow-up answer reached the grader
    page.get_by_role("tab", name="Progress").click()
    page.get_by_text("1 finished interviews").wait_for()
    assert "linked list" in page.locator("#pg-summary").inner_text()
    page.screenshot(path=str(ARTIFACTS / "progress.png"), full_page=True)

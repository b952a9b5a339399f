"""Browser: upload a recording, or record with Chromium's fake microphone, in the mock interview; the transcript
fills the answer box and the delivery panel shows.

Needs Debian's chromium and the pulled Whisper model (marked ``voice``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag_coach.index.ingest import ingest
from rag_coach.services import Services
from tests.fakes import FakeLLM
from tests.ui.browser import ARTIFACTS, needs_chromium, page, pick  # noqa: F401 - page is the Playwright fixture
from tests.ui.conftest import start_app
from tests.voice import badfiles
from tests.voice.conftest import clip

pytestmark = [pytest.mark.voice, needs_chromium]


@pytest.fixture()
def voice_app(settings, embedder, whisper_folder: Path) -> Iterator[tuple[str, Services]]:
    ingest(settings, embedder=embedder)
    settings.voice.model_path = whisper_folder
    services = Services(settings, backend_override=FakeLLM(), embedder_override=embedder)
    url, _ = start_app(settings, services)
    yield url, services
    services.retriever.close()


def _upload_answer(page, url: str) -> None:
    """Start an Amazon behavioral interview and upload the clip with a planted pause as the answer."""
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("tab", name="Mock interview").click()
    pick(page, "iv-company", "Amazon")
    pick(page, "iv-round", "Behavioral")
    page.locator("#iv-start").click()
    page.get_by_text("q.amazon.behavioral.tight_budget").wait_for()
    page.locator("#iv-audio-answer button[aria-label='Upload file']").click()  # the microphone is the default source
    page.locator("#iv-audio-answer input[type=file]").set_input_files(str(clip("pause")))


def test_uploaded_answer_is_transcribed_into_the_box(voice_app, page, tmp_path: Path) -> None:  # noqa: F811
    url, _ = voice_app
    _upload_answer(page, url)
    panel = page.locator("#iv-delivery-answer")
    panel.get_by_text("Speaking rate:").wait_for()
    answer = page.locator("#iv-answer textarea").input_value()
    assert "cache layer for the search team" in answer and "page load time in half" in answer
    text = panel.inner_text()
    assert "Pauses of 2 s or more: 1" in text and "after “for the search team.”" in text
    assert "expected for a behavioral answer" in text
    page.screenshot(path=str(ARTIFACTS / "voice_transcript.png"), full_page=True)
    page.locator("#iv-answer textarea").fill(answer + " I measured it with the p95 latency.")  # the candidate edits
    # an unusable recording: one sentence, the edited answer is left alone
    page.locator("#iv-audio-answer button[aria-label='Clear']").first.click()
    page.locator("#iv-audio-answer input[type=file]").set_input_files(str(badfiles.silence(tmp_path / "quiet.wav")))
    panel.get_by_text("Could not transcribe the recording:").wait_for()
    assert "no speech was found in quiet.wav" in panel.inner_text()
    assert page.locator("#iv-answer textarea").input_value().endswith("p95 latency.")


def test_microphone_recording_is_transcribed(voice_app, tmp_path: Path) -> None:
    """Chromium's fake microphone plays a committed clip; Record, Stop, and the transcript fills the box."""
    from playwright.sync_api import sync_playwright

    from tests.ui.browser import ARGS, CHROMIUM

    url, _ = voice_app
    speech = clip("sentence_star")  # wav, as Chromium's fake capture needs
    args = [*ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={speech}"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        page = browser.new_context(permissions=["microphone"], viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(120_000)
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_role("tab", name="Mock interview").click()
        pick(page, "iv-round", "Behavioral")
        page.locator("#iv-start").click()
        page.get_by_text("q.amazon.behavioral.tight_budget").wait_for()
        page.locator("#iv-audio-answer button.record-button").click()
        page.wait_for_timeout(5500)  # the 4.2 s clip, then a little of its repeat
        page.locator("#iv-audio-answer button.stop-button").click()
        page.locator("#iv-delivery-answer").get_by_text("Speaking rate:").wait_for()
        answer = page.locator("#iv-answer textarea").input_value().lower()
        browser.close()
    # the browser's capture path (44.1 kHz, its own processing) costs accuracy: measured "…to a new day of base"
    assert "migration of our" in answer and "service" in answer, answer


def test_delivery_is_shown_beside_the_rubric_feedback(voice_app, page) -> None:  # noqa: F811
    url, services = voice_app
    _upload_answer(page, url)
    page.locator("#iv-delivery-answer").get_by_text("Speaking rate:").wait_for()
    page.locator("#iv-answer textarea").fill(  # the candidate corrects the transcript into a full answer
        "We had far fewer resources than we wanted: two engineers instead of five and a fixed budget for the project. "
        "I cut the admin dashboard myself and built the cache layer for the search team alone, with fewer resources. "
        "The result was measurable: the page load time fell by half within six weeks and we shipped on the budget.")
    page.locator("#iv-finish").click()
    page.locator("#iv-feedback").get_by_text("Overall:").wait_for(timeout=120_000)
    beside = page.locator("#iv-feedback-delivery")
    assert "Delivery (from the recording)" in beside.inner_text() and "Speaking rate:" in beside.inner_text()
    feedback_box, delivery_box = page.locator("#iv-feedback").bounding_box(), beside.bounding_box()
    assert delivery_box["x"] > feedback_box["x"] + feedback_box["width"] / 2  # beside it, not under it
    assert abs(delivery_box["y"] - feedback_box["y"]) < 50
    page.screenshot(path=str(ARTIFACTS / "voice_feedback.png"), full_page=True)
    [attempt] = services.progress.history("default")
    assert attempt.delivery and attempt.delivery["words"] > 10 and attempt.feedback is not None

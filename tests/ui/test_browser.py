"""Browser tests: Playwright driving Debian's Chromium against the running app. Screenshots go to artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (scripts/test.sh installs it)")


@pytest.fixture()
def page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        yield page
        browser.close()


def pick(page, elem_id: str, label: str) -> None:
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=label, exact=True).click()


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
    page.locator("#rc-sources details summary").first.click()  # expand a passage
    assert "collaborative nature" in page.locator("#rc-sources details").first.inner_text()
    page.get_by_text("You asked: What is Googleyness? [1]").wait_for()
    assert "Backend:" in page.locator("#rc-status").inner_text()
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
    page.locator("#rc-new").click()
    page.get_by_text("You asked: What is Googleyness?").wait_for(state="detached")

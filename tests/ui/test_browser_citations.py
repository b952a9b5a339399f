"""Browser test: a citation marker [n] in an answer jumps to the exact evidence sentence it cites."""

from __future__ import annotations

from tests.ui.browser import ARTIFACTS, needs_chromium, pick

pytestmark = needs_chromium


def test_clicking_a_citation_shows_the_cited_sentence(fake_app, page) -> None:
    url, _ = fake_app
    page.set_viewport_size({"width": 1400, "height": 700})
    page.goto(url, wait_until="domcontentloaded")
    pick(page, "rc-company", "Google")
    pick(page, "rc-round", "Behavioral")
    page.get_by_text("Now coaching for Google · Behavioral").wait_for()
    page.locator("#rc-question textarea").fill("What is Googleyness?")
    page.locator("#rc-ask").click()
    answer = page.locator("#rc-chat .message").last
    link = answer.locator("a.rc-cite").first
    link.wait_for()
    # every marker of the answer is a link, and every link has its sentence in the panel
    links = answer.locator("a.rc-cite")
    assert links.count() == answer.inner_text().count("[") >= 1
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    for href in targets:
        assert page.locator(f"#rc-sources mark.rc-cited[id='{href[1:]}']").count() == 1, href
    href = targets[0]
    mark = page.locator(f"#rc-sources [id='{href[1:]}']")
    assert mark.inner_text() == "Googleyness covers comfort with ambiguity, bias to action and a collaborative nature."
    # the candidate collapsed the passage and scrolled away: the click reopens it and brings the sentence back
    page.evaluate("document.querySelectorAll('#rc-sources details').forEach(d => d.open = false)")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert not mark.is_visible()
    link.click()
    assert mark.is_visible()
    assert page.evaluate("document.activeElement && document.activeElement.id") == href[1:]
    assert "rc-flash" in (mark.get_attribute("class") or "")
    box, height = mark.bounding_box(), page.viewport_size["height"]
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height  # in the viewport
    assert page.url.rstrip("/") == url  # handled in the page: no navigation, no hash
    page.screenshot(path=str(ARTIFACTS / "chat_citation_click.png"), full_page=False)

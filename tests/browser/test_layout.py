"""Both pages on a 1366x768 laptop and a 1920x1080 screen: no sideways scrolling, every
control named for a screen reader, focus drawn, and no request while nothing happens (push
drives every change; the page never polls)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

UNNAMED = """() => [...document.querySelectorAll('button, select, input, textarea')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby') && !el.textContent.trim())
    .map(el => el.outerHTML)"""


FOCUS = """() => [document.activeElement.outerHTML.slice(0, 80),
                  getComputedStyle(document.activeElement).outlineStyle]"""


@pytest.mark.parametrize("user, path, ready", [("ann", "/desk", "agent-state"),
                                               ("sam", "/board", "agents")])  # fmt: skip
def test_page_fits_is_labelled_and_never_polls(stack, page_for, user, path, ready):
    stack.post(stack.api("ann"), "/api/agents/ann/login", {"ready": True})
    for size in ((1366, 768), (1920, 1080)):
        page = page_for(user, path, size)
        expect(page.get_by_test_id(ready)).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="Live updates connected")).to_have_count(
            1
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
        assert page.evaluate(UNNAMED) == []
        page.locator("h1").click()  # start from the page itself, then Tab to a control
        for _ in range(5):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.matches('button, select, input, a')"):
                break
        focused = page.evaluate(FOCUS)
        assert focused[1] != "none", focused

        requests: list[str] = []
        page.on(
            "request", lambda r, seen=requests: seen.append(r.url) if "/api/" in r.url else None
        )
        page.wait_for_timeout(2500)  # quiet floor: no event, so no request at all
        assert requests == []
        stack.post(
            stack.api("sam"), "/api/agents/ann/force", {"state": "not_ready", "reason": "break"}
        )
        expect(page.get_by_text("Not ready · break").first).to_be_visible()  # pushed, then fetched
        assert requests, "the pushed event was followed by a fetch"
        stack.post(stack.api("sam"), "/api/agents/ann/force", {"state": "ready"})
        assert not page.errors, page.errors

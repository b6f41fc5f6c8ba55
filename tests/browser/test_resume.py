"""A dropped event socket: the desk says so, reconnects with since=<last seq> and catches up
with every event it missed, in order, none twice."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.timeout(120)

SEQS = (
    "() => [...document.querySelectorAll('[data-testid=activity] li')].map(li => +li.dataset.seq)"
)


def test_dropped_socket_catches_up_with_nothing_missed(stack, browser):
    ann = stack.api("ann")
    stack.post(ann, "/api/agents/ann/login", {"ready": False})
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    sockets, urls, allow = [], [], {"connect": True}

    def route(ws):  # every /api/events socket goes through here, so the test can cut it
        urls.append(ws.url)
        if not allow["connect"]:
            ws.close(code=4001, reason="network down")
            return
        ws.connect_to_server()
        sockets.append(ws)

    ctx.route_web_socket("**/api/events*", route)
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(stack.url + "/desk")
        page.get_by_label("User").fill("ann")
        page.get_by_label("Password").fill(stack.passwords["ann"])
        page.get_by_role("button", name="Log in").click()
        state = page.get_by_test_id("agent-state")
        expect(state).to_contain_text("Not ready")
        stack.post(ann, "/api/agents/ann/state", {"state": "ready"})
        expect(state).to_have_text("Ready")
        expect(page.locator("[data-testid=activity] li")).not_to_have_count(0)
        before = max(page.evaluate(SEQS))

        allow["connect"] = False
        sockets[-1].close(code=4001, reason="network down")  # the server side goes away
        banner = page.get_by_test_id("connection-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("lost")
        # while the desk is cut off, its state changes three times
        stack.post(ann, "/api/agents/ann/state", {"state": "not_ready", "reason": "break"})
        stack.post(ann, "/api/agents/ann/state", {"state": "ready"})
        stack.post(ann, "/api/agents/ann/state", {"state": "not_ready", "reason": "lunch"})
        expect(state).to_have_text("Ready")  # nothing pushed: the page still shows the old state
        tried = len(urls)
        for _ in range(100):  # it keeps trying while cut off (and is refused)
            if len(urls) > tried:
                break
            page.wait_for_timeout(100)
        assert len(urls) > tried, urls

        allow["connect"] = True
        expect(banner).to_have_count(0, timeout=15_000)
        expect(state).to_contain_text("lunch")
        resumed = [u for u in urls if f"since={before}" in u]
        assert resumed, urls  # the reconnect asked for what came after the last seq it had

        # what a fresh socket replays from `before` is exactly what the desk now lists after it
        replay = page.evaluate(
            """async ([since]) => {
                const got = [];
                const ws = new WebSocket(`ws://${location.host}/api/events?topics=agent:ann&since=${since}`);
                ws.onmessage = (m) => { const e = JSON.parse(m.data); if (e.seq) got.push(e.seq); };
                await new Promise((r) => setTimeout(r, 1500));
                ws.close();
                return got;
            }""",
            [before],
        )
        shown = sorted(s for s in page.evaluate(SEQS) if s > before)
        assert replay and shown == sorted(replay)
        assert len(shown) == len(set(shown))  # none twice
        kinds = {k for i, k, _ in stack.journal(before) if i in set(shown)}
        assert any(k.startswith("agent.") for k in kinds)
        assert not errors, errors
        screenshot(page, "desk-resumed")
    finally:
        ctx.close()

"""An agent cannot see or act on another agent's interaction: not in the desk, not through the
API the desk uses, not through the event socket."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

FETCH = """async ([method, path, body]) => {
    const r = await fetch(path, {method, headers: {'Content-Type': 'application/json',
        'X-CSRF-Token': sessionStorage.getItem('calldesk_csrf') || ''},
        body: body === null ? undefined : JSON.stringify(body)});
    return [r.status, r.ok ? "" : await r.text()];  // a stream that opened is not read
}"""


def test_an_agent_cannot_reach_another_agents_interaction(stack, page_for):
    bea = stack.api("bea")
    stack.post(bea, "/api/agents/bea/login", {"ready": True})
    uuid = stack.call(caller_id="+15550199", name="Eve Stone")
    offer = None
    for _ in range(100):
        r = bea.get("/api/agents/bea/offer")
        if r.ok and r.json():
            offer = r.json()
            break
        time.sleep(0.1)
    assert offer, "bea was never offered the call"
    # bea answers her ringing phone
    assert stack.command(op="wait_bridged", uuid=uuid)["bridged"]
    interaction = offer["interaction"]

    page = page_for("ann", "/desk")
    expect(page.get_by_test_id("agent-state")).to_be_visible()
    expect(page.get_by_test_id("interaction-tabs")).not_to_contain_text(interaction)
    # The desk's own API, with another agent's ids: refused (the interaction's voice
    # operations may answer 404 where this build has none, never 2xx).
    for method, path, body, allowed in [
        ("GET", f"/api/interactions/{interaction}", None, (403,)),
        ("GET", "/api/agents/bea", None, (403,)),
        ("GET", "/api/agents/bea/offer", None, (403,)),
        ("GET", "/api/agents/bea/pops", None, (403,)),
        ("POST", "/api/agents/bea/state", {"state": "not_ready", "reason": "break"}, (403,)),
        ("POST", "/api/agents/bea/wrapup", {"disposition": "resolved", "notes": ""}, (403,)),
        ("GET", "/api/events?topics=agent:bea", None, (403,)),
        ("GET", f"/api/events?topics=interaction:{interaction}", None, (403,)),
        ("POST", f"/api/interactions/{interaction}/hangup", {}, (403, 404)),
        ("POST", f"/api/interactions/{interaction}/hold", {}, (403, 404)),
    ]:
        status, text = page.evaluate(FETCH, [method, path, body])
        assert status in allowed, (method, path, status, text)
    # the socket refuses another agent's topic: nothing of bea's reaches ann's page
    got = page.evaluate(
        """async () => {
            const got = [];
            const ws = new WebSocket(`ws://${location.host}/api/events?topics=agent:bea&since=0`);
            ws.onmessage = (m) => got.push(JSON.parse(m.data));
            await new Promise((r) => setTimeout(r, 1000));
            ws.close();
            return got;
        }"""
    )
    assert not [e for e in got if e.get("seq")], got
    # and the call is still up: ann's attempts changed nothing
    assert stack.command(op="wait_bridged", uuid=uuid, timeout=1)["bridged"]

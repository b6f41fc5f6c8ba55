"""The agent desktop in Chromium: log in, go ready, accept a call, transfer it, wrap up with a
code and end available, from the keyboard where the desk has shortcuts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.timeout(120)


def test_agent_takes_a_call_through_to_available(stack, page_for):
    page = page_for("ann", "/desk")
    state = page.get_by_test_id("agent-state")
    expect(state).to_be_visible()
    if "Logged out" in state.inner_text():
        page.get_by_test_id("agent-login").click()
        expect(state).to_contain_text("Not ready")
    page.keyboard.press("Alt+Shift+R")  # ready, from the keyboard
    expect(state).to_have_text("Ready")
    page.get_by_label("Reason").select_option("lunch")
    page.keyboard.press("Alt+Shift+N")  # not ready, with the reason shown in the selector
    expect(state).to_have_text("Not ready · lunch")
    expect(page.get_by_test_id("time-in-state")).to_be_visible()
    page.keyboard.press("Alt+Shift+R")
    expect(state).to_have_text("Ready")
    expect(page.get_by_test_id("connection-banner")).to_have_count(0)

    stack.call(caller_id="+15550123", name="Carla Diaz")
    offer = page.get_by_test_id("offer")
    expect(offer).to_be_visible(timeout=15_000)
    expect(offer).to_contain_text("general")
    expect(offer).to_contain_text("+15550123")
    expect(offer.get_by_role("timer")).to_be_visible()  # the lease counting down
    with page.expect_response(lambda r: r.url.endswith("/accept")) as accepted:
        page.keyboard.press("Alt+Shift+A")  # accept, from the keyboard
    # The API accepts the offer, or (the server's rule today for voice) says to answer the
    # phone that rings; the simulated phone answers after 2 s either way.
    r = accepted.value
    assert r.ok or (r.status == 409 and "phone" in r.json()["detail"]), r.text()

    panel = page.get_by_test_id("interaction-panel")
    expect(panel).to_be_visible(timeout=15_000)
    expect(offer).to_have_count(0)
    expect(state).to_contain_text("Busy")
    pop = page.get_by_test_id("screen-pop")
    expect(pop.get_by_test_id("pop-queue")).to_have_text("general")
    expect(pop).to_contain_text("billing dispute")
    expect(pop).to_contain_text("verified")
    expect(page.locator("[data-slot=customer-timeline]")).to_be_visible()
    screenshot(page, "desk")  # the README's picture: a call with its screen pop

    # Bea comes back from her break; the searchable target list shows her ready.
    bea = stack.api("bea")
    stack.post(bea, "/api/agents/bea/login", {"ready": True})
    page.get_by_test_id("target-search").fill("bea")
    target = page.get_by_test_id("target-agent-bea")
    expect(target.locator("xpath=..")).to_contain_text("Ready")
    target.check()
    page.get_by_test_id("transfer").click()

    wrap = page.get_by_test_id("wrapup")
    expect(wrap).to_be_visible(timeout=15_000)
    expect(state).to_contain_text("Wrap-up")
    # The queue's 300 s wrap-up counts down from the API's `wrapup_until` (not up from 0).
    expect(wrap.get_by_role("timer", name="Wrap-up ends in")).to_contain_text("4:")
    page.get_by_label("Disposition").select_option("resolved")
    page.get_by_label("Notes").fill("moved to support for the card dispute")
    page.keyboard.press("Alt+Shift+W")
    expect(state).to_have_text("Ready", timeout=15_000)
    expect(wrap).to_have_count(0)
    expect(page.get_by_test_id("day-handled")).to_have_text("1")

    journal = stack.journal()
    assert any(k == "agent.wrapup" and s == "ann" for _, k, s in journal), journal[-10:]
    bea_states = [i for i, k, s in journal if k == "agent.state" and s == "bea"]
    assert bea_states, "the transfer reached bea"
    assert not page.errors, page.errors
    screenshot(page, "desk-end")


def test_call_controls_hold_mute_dtmf_consult_and_hang_up(stack, page_for):
    ann, bea = stack.api("ann"), stack.api("bea")
    stack.post(ann, "/api/agents/ann/login", {"ready": True})
    page = page_for("ann", "/desk")
    uuid = stack.call(caller_id="+15550166", name="Gil Park")
    assert stack.command(op="wait_bridged", uuid=uuid)["bridged"]  # ann answered her phone
    controls = page.get_by_test_id("call-controls")
    expect(controls).to_be_visible(timeout=15_000)

    page.keyboard.press("Alt+Shift+H")
    expect(page.get_by_test_id("hold")).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("hold").click()  # resume
    expect(page.get_by_test_id("hold")).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Alt+Shift+M")
    expect(page.get_by_test_id("mute")).to_have_attribute("aria-pressed", "true")
    controls.get_by_role("button", name="Keypad").click()
    page.get_by_label("Send tone 5").click()
    expect(page.get_by_test_id("notice")).to_have_text("Send 5: done")

    stack.post(bea, "/api/agents/bea/login", {"ready": True})
    page.get_by_test_id("target-search").fill("Bea")
    page.get_by_test_id("target-agent-bea").check()
    page.get_by_test_id("consult").click()
    panel = page.get_by_test_id("consult-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("bea")
    page.get_by_test_id("consult-cancel").click()  # back to the caller
    expect(panel).to_have_count(0)
    expect(page.get_by_test_id("notice")).to_have_text("Cancel consult: done")

    page.get_by_test_id("hangup").click()
    expect(page.get_by_test_id("wrapup")).to_be_visible(timeout=15_000)
    kinds = [k for _, k, s in stack.journal()]
    for kind in ("call.hold", "call.unhold", "call.mute", "call.dtmf", "call.consult"):
        assert kind in kinds, (kind, sorted(set(kinds)))
    assert not page.errors, page.errors

"""The wallboard in Chromium: a supervisor sees an agent's call and barges in; the wall mode
shows large figures and no controls."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.timeout(120)


def test_supervisor_sees_the_call_and_barges_in(stack, page_for):
    ann = stack.api("ann")
    stack.post(ann, "/api/agents/ann/login", {"ready": True})
    board = page_for("sam", "/board")
    row = board.locator("tr[data-agent=ann]")
    expect(board.get_by_test_id("state-ann")).to_contain_text("Ready")
    expect(board.locator("tr[data-agent=cid]")).to_have_count(0)  # not one of sam's teams

    uuid = stack.call(caller_id="+15550177", name="Dan Ruiz")
    # ann's phone rings and she answers it: the same as accepting on the desk
    assert stack.command(op="wait_bridged", uuid=uuid)["bridged"]

    expect(board.get_by_test_id("state-ann")).to_contain_text("Busy", timeout=15_000)
    expect(row.get_by_test_id("current-ann")).to_contain_text("general")
    expect(board.get_by_test_id("waiting-general")).to_have_text("0")
    board.get_by_test_id("barge-ann").click()
    panel = board.get_by_test_id("supervision")
    expect(panel).to_be_visible(timeout=15_000)
    expect(panel.get_by_test_id("sup-mode")).to_have_text("barge")
    kinds = [k for _, k, _ in stack.journal()]
    assert "supervision.start" in kinds
    board.get_by_role("radio", name="Whisper").check()  # the mode switch during the session
    expect(board.get_by_test_id("notice")).to_have_text("Mode whisper: done")
    expect(panel.get_by_test_id("sup-mode")).to_have_text("whisper")
    chart = board.get_by_test_id("chart-general")
    expect(chart.locator("svg")).to_be_visible()
    # the last-hour chart follows the push too: the call shows as offered and answered
    expect(chart).to_contain_text("1 offered, 1 answered", timeout=15_000)
    assert not board.errors, board.errors
    screenshot(board, "board")

    board.get_by_test_id("wall-toggle").click()
    expect(board.locator("body.wall")).to_have_count(1)
    expect(board.get_by_test_id("barge-ann")).to_have_count(0)  # no controls on the wall
    board.set_viewport_size({"width": 1920, "height": 1080})
    screenshot(board, "board-wall")


def test_an_agent_gets_no_wallboard(stack, page_for):
    page = page_for("ann", "/board")
    expect(page.get_by_role("alert")).to_contain_text("for supervisors")
    expect(page.get_by_test_id("agents")).to_have_count(0)


def test_supervisor_steers_a_waiting_call_and_forces_states(stack, page_for):
    ann = stack.api("ann")
    stack.post(ann, "/api/agents/ann/login", {"ready": False})  # nobody ready: the call waits
    board = page_for("sam", "/board")
    expect(board.get_by_test_id("state-ann")).to_contain_text("Not ready")

    stack.call(caller_id="+15550142", name="Fay Wong")
    expect(board.get_by_test_id("waiting-general")).to_have_text("1", timeout=15_000)
    row = board.locator("[data-testid=waiting] tbody tr")
    expect(row).to_have_count(1)
    row.get_by_label("Move to queue").select_option("support")
    expect(board.get_by_test_id("waiting-support")).to_have_text("1", timeout=15_000)
    expect(board.get_by_test_id("waiting-general")).to_have_text("0")
    row.get_by_role("button", name="Priority +1").click()
    expect(row.locator("td").nth(2)).to_have_text("1", timeout=15_000)

    board.get_by_test_id("force-ready-ann").click()  # ann takes it (she is in support too)
    expect(board.get_by_test_id("state-ann")).to_contain_text("Busy", timeout=20_000)
    expect(board.get_by_test_id("waiting-support")).to_have_text("0")
    kinds = [k for _, k, _ in stack.journal()]
    assert "interaction.moved" in kinds and "interaction.priority" in kinds
    board.get_by_test_id("force-nr-ann").click()  # not ready after this call
    expect(board.get_by_test_id("notice")).to_have_text("Force Ann Lee not ready: done")
    assert not board.errors, board.errors

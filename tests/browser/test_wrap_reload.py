"""A reload of the desk keeps the closed chats' wrap-up tabs: the server lists the agent's
pending wrap-ups (`wrapups` of GET /api/agents/{id}), the desk seeds its tabs from them, and
Done in a tab after the reload ends that wrap-up only."""

from __future__ import annotations

import json
import sqlite3

from playwright.sync_api import expect

from tests.browser import test_chat as chat
from tests.browser.test_chat import _accept_chats, _ready

stack, shop = chat.stack, chat.shop  # the chat stack's fixtures (the shop serves the widget)


def _done_for(stack) -> list[str | None]:
    """The interaction each wrap-up Done named (None: every wrap-up), in order."""
    with sqlite3.connect(stack.store) as db:
        rows = db.execute("SELECT data FROM journal WHERE kind = 'api.wrapup' ORDER BY id")
        return [json.loads(data).get("interaction") for (data,) in rows]


def test_a_reload_shows_the_same_wrap_up_tabs_each_with_its_form(stack, page_for, browser):
    desk = page_for("ann", "/desk")
    state = _ready(desk)
    tabs = desk.get_by_test_id("tab")
    panel = desk.get_by_test_id("interaction-panel")
    texts = ("first visitor here", "second visitor here")
    _, accepted = _accept_chats(desk, browser, stack, texts)
    first, second = accepted
    tab = lambda iid: desk.locator(f"[data-testid=tab][data-interaction='{iid}']")  # noqa: E731
    tab(first).click()
    expect(panel).to_have_attribute("data-interaction", first)
    panel.get_by_test_id("chat-close").click()
    expect(tab(first)).to_contain_text("wrap-up", timeout=15_000)

    # (b) another chat open: after the reload the closed chat still has its tab and its form.
    desk.reload()
    expect(tabs).to_have_count(2, timeout=15_000)
    expect(tab(first)).to_contain_text("wrap-up", timeout=15_000)
    expect(tab(second)).not_to_contain_text("wrap-up")
    expect(state).to_contain_text("Busy")
    tab(first).click()
    expect(panel).to_have_attribute("data-interaction", first)
    expect(panel.get_by_test_id("wrapup")).to_be_visible()
    expect(panel.get_by_role("timer")).to_have_attribute("aria-label", "Wrap-up ends in")
    desk.get_by_label("Disposition").select_option("resolved")
    desk.get_by_test_id("wrap-done").click()
    expect(tabs).to_have_count(1, timeout=15_000)
    expect(tab(second)).to_contain_text("connected")
    expect(state).to_contain_text("Busy")
    assert _done_for(stack) == [first]

    # (a) no other chat open: the reload shows the closed chat's tab, not the general form,
    # and its Done names that interaction.
    tab(second).click()
    panel.get_by_test_id("chat-close").click()
    expect(tab(second)).to_contain_text("wrap-up", timeout=15_000)
    desk.reload()
    expect(tabs).to_have_count(1, timeout=15_000)
    expect(tab(second)).to_contain_text("wrap-up", timeout=15_000)
    expect(panel).to_have_attribute("data-interaction", second)
    expect(panel.get_by_test_id("wrapup")).to_be_visible()
    desk.get_by_label("Disposition").select_option("resolved")
    desk.get_by_test_id("wrap-done").click()
    expect(state).to_have_text("Ready", timeout=15_000)
    expect(tabs).to_have_count(0)
    assert _done_for(stack) == [first, second]
    assert not desk.errors, desk.errors

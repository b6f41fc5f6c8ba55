"""The desk's outbound preview card in Chromium: a preview campaign holds a contact for Ann
when she goes ready; the card shows the contact's name, number and custom fields; Skip with a
reason brings the next contact, Dial places the call and it comes to her."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from calldesk.dialer.lists import Contact
from calldesk.dialer.store import DialerStore
from calldesk.store import Store
from tests.browser.conftest import ROOT, screenshot

pytestmark = pytest.mark.timeout(120)

CONFIG = """
switches: []
store: {{path: {work}/calldesk.sqlite}}
http: {{host: 127.0.0.1, port: 0}}
flows: {{dir: {work}/flows}}
log: {{level: WARNING}}
queues: [{{name: renewals, wrap_up_s: 300}}]
agents: [{{id: ann, name: Ann Lee, contact: user/1001, queues: [renewals]}}]
trunks:
  - {{name: carrier-a, max_legs: 4, gateway: {{proxy: 203.0.113.10, auth: ip}},
     acl: [203.0.113.10], dids: [{{number: "+15551230000", flow: hello}}]}}
outbound: {{allow: ["+1NXXNXXXXXX"]}}
campaigns:
  - {{name: renewals, mode: preview, lists: [spring], queue: renewals, caller_id: "+15551230000",
     windows: [{{days: mon-sun, start: "00:00", end: "23:59"}}], ring_s: 20}}
"""
HELLO = "flow: hello\nentry: bye\nsteps:\n  bye: {kind: hangup}\n"
FIRST, SECOND = "+12125550122", "+12125550133"


@pytest.fixture()
def outbound_stack(tmp_path):  # noqa: ANN201
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "hello.yaml").write_text(HELLO)
    (tmp_path / "calldesk.yaml").write_text(CONFIG.format(work=tmp_path))
    store = Store.open(tmp_path / "calldesk.sqlite")
    DialerStore(store).import_contacts("spring", [
        Contact(FIRST, "Dora Finch", "", {"plan": "gold", "renewal": "2027-01"}, 2),
        Contact(SECOND, "Eli Gray", "", {"plan": "silver"}, 3)], at=0.0)
    store.close()
    password = secrets.token_urlsafe(12)
    gw = "sofia/gateway/carrier-a/"
    people = {"dids": [], "passwords": {"ann": password},
              "phones": {"user/1001": 0.5, gw + FIRST: 1.0, gw + SECOND: 1.0}}
    (tmp_path / "users.json").write_text(json.dumps(people))
    log = open(tmp_path / "stack.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "tests.browser.stack", str(tmp_path)],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=log, text=True)
    line = proc.stdout.readline()
    try:
        assert line, (tmp_path / "stack.log").read_text()
        yield json.loads(line)["url"].rstrip("/"), password, json.loads(line)["store"]
    finally:
        if proc.poll() is None:
            proc.stdin.write('{"op": "quit"}\n')
            proc.stdin.flush()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def _ledger(path: str) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute("SELECT number, agent, outcome FROM compliance_ledger").fetchall()


def test_preview_card_skip_then_dial(browser, outbound_stack) -> None:  # noqa: ANN001
    url, password, store = outbound_stack
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "/desk")
        page.get_by_label("User").fill("ann")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        state = page.get_by_test_id("agent-state")
        expect(state).to_be_visible()
        if "Logged out" in state.inner_text():
            page.get_by_test_id("agent-login").click()
            expect(state).to_contain_text("Not ready")
        page.keyboard.press("Alt+Shift+R")
        expect(state).to_have_text("Ready")
        card = page.get_by_test_id("preview")
        card.wait_for(timeout=15000)
        who = card.get_by_test_id("preview-who")
        assert "Dora Finch" in who.inner_text() and FIRST in who.inner_text()
        assert "gold" in card.get_by_test_id("preview-fields").inner_text()
        screenshot(page, "desk-preview")
        card.get_by_test_id("preview-reason").select_option("bad_timing")
        card.get_by_test_id("preview-skip").click()
        page.wait_for_function(
            "() => (document.querySelector('[data-testid=preview-who]') || {}).textContent"
            "?.includes('Eli Gray')", timeout=15000)
        page.get_by_test_id("preview-dial").click()
        page.get_by_test_id("preview").wait_for(state="detached", timeout=15000)
        page.wait_for_function("() => document.querySelectorAll('[data-testid=tab]').length > 0",
                               timeout=20000)
        rows = []
        for _ in range(100):
            rows = _ledger(store)
            if rows:
                break
            page.wait_for_timeout(200)
        assert rows == [(SECOND, "ann", "answer")]
        assert errors == []
    finally:
        ctx.close()

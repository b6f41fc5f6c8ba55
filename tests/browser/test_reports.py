"""The reports page in Chromium: a supervisor sees volume, service level and abandon per
interval and per medium side by side, from the same figures as `calldesk report interval`
(a live call plus a day of earlier traffic on every medium in the journal); an agent gets none."""

from __future__ import annotations

import json
import random
import sqlite3
import time

import pytest
from playwright.sync_api import expect

from calldesk.bench.context import _interaction
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.timeout(120)


def _earlier_traffic(store: str, now: float, n: int = 240) -> dict[str, int]:
    """`n` finished interactions over the last 23 hours, as the IVR and the ACD journal them
    (the benchmark's generator); returns the counts the page must show."""
    rnd = random.Random(4)
    rows = []
    for i in range(n):
        for at, kind, subject, data in _interaction(
            rnd, f"old-{i}", now - 3600 - rnd.random() * 22 * 3600, i
        ):
            d = json.loads(data)
            if "queue" in d:  # sam's team's queues: a supervisor's figures are theirs only
                d["queue"] = ("general", "support")[i % 2]
            rows.append((at, kind, subject, json.dumps(d)))
    with sqlite3.connect(store, timeout=10) as db:
        db.executemany("INSERT INTO journal (at, kind, subject, data) VALUES (?,?,?,?)", rows)
    kinds = [r[1] for r in rows]
    return {"offered": n, "answered": kinds.count("interaction.answered")}


def test_supervisor_reads_the_charts_per_interval_and_medium(stack, page_for):
    ann = stack.api("ann")
    stack.post(ann, "/api/agents/ann/login", {"ready": True})
    uuid = stack.call(caller_id="+15550188", name="Eve Moss")
    assert stack.command(op="wait_bridged", uuid=uuid)["bridged"]
    seeded = _earlier_traffic(stack.store, time.time())

    page = page_for("sam", "/reports")
    totals = page.get_by_test_id("totals")
    expect(totals).to_contain_text(f"Offered{seeded['offered'] + 1}", timeout=15_000)
    expect(totals).to_contain_text(f"Answered{seeded['answered'] + 1}")
    volume = page.get_by_test_id("volume")
    expect(volume.locator("svg")).to_be_visible()
    label = volume.locator("svg").get_attribute("aria-label") or ""
    assert f"{seeded['offered'] + 1} offered" in label, label
    hours = volume.locator("g[data-start]").count()  # one slot per hour the last 24 h touch
    assert hours in (24, 25), hours
    expect(page.get_by_test_id("service-level").locator("path.sl")).to_have_count(1)
    expect(page.get_by_test_id("abandon").locator("path.abandon")).to_have_count(1)
    for medium in ("chat", "email", "sms", "voice"):  # side by side, one column each
        expect(page.get_by_test_id(f"medium-{medium}")).to_be_visible()
    voice = page.get_by_test_id("totals-voice")
    per_medium = sum(
        int(page.get_by_test_id(f"totals-{m}").locator("dd").first.inner_text())
        for m in ("chat", "email", "sms", "voice")
    )
    assert per_medium == seeded["offered"] + 1
    expect(voice).to_be_visible()

    page.get_by_test_id("step").select_option("15 min")
    expect(volume.locator("g[data-start]")).not_to_have_count(hours)
    assert volume.locator("g[data-start]").count() in (96, 97)
    assert not page.errors, page.errors
    page.get_by_test_id("step").select_option("hour")
    expect(volume.locator("g[data-start]")).to_have_count(hours)
    page.set_viewport_size({"width": 1366, "height": 1400})
    screenshot(page, "reports")


def test_an_agent_gets_no_reports(stack, page_for):
    page = page_for("ann", "/reports")
    expect(page.get_by_role("alert")).to_contain_text("for supervisors and admins")
    expect(page.get_by_test_id("volume")).to_have_count(0)

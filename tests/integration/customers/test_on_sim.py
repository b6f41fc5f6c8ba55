"""Customers on real calls: the demo drives callers over TCP through the simulated switch (IVR,
queue, agents); the journal it leaves attaches every arrival to a customer by caller ID, the
screen pop's context for an answered call names its customer and journey, and the interval
report counts what the ACD counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from calldesk.config import load_config
from calldesk.customers.contexts import SqliteContexts
from calldesk.customers.follow import Follower
from calldesk.customers.screenpop import assemble
from calldesk.customers.service import CustomerService
from calldesk.demo.run import run_demo
from calldesk.reports.source import interval_report
from calldesk.store import Store

ROOT = Path(__file__).parents[3]


@pytest.mark.timeout(180)
def test_calls_on_the_simulated_switch_attach_pop_and_report(tmp_path) -> None:
    config = load_config(ROOT / "calldesk.yaml", env={})
    result = run_demo(config, calls=6, agents=3, time_scale=50.0, seed=5, workdir=tmp_path)
    assert result["journal"]["answered"] >= 1
    store = Store.open(tmp_path / "calldesk.sqlite")
    service = CustomerService(store)
    arrivals = list(store.journal.read(kind="interaction.arrived"))
    counted = result["journal"]  # what the ACD journaled (the caller's view may differ by one
    # under load: a caller hanging up as the agent answers)
    assert Follower(service).catch_up() == len(arrivals) == counted["offered"]
    for e in arrivals:
        customer = service.customers.customer_of(e.subject)
        phones = [
            i["value"] for i in service.customers.identities(customer) if i["kind"] == "phone"
        ]
        assert e.data["customer"] in phones  # the caller ID, E.164, unverified

    answered = next(store.journal.read(kind="interaction.answered"))
    pop = assemble(service, SqliteContexts(store), answered.subject)
    assert pop["customer"]["id"] == service.customers.customer_of(answered.subject)
    assert pop["verified"] is False and pop["journey"]["contacts"] >= 1

    start = min(e.at for e in arrivals)
    rows = interval_report(store, start - 1, start + 86400, 86400.0, ("medium",))
    (row,) = rows
    assert (row["medium"], row["offered"], row["answered"], row["abandoned"]) == (
        "voice",
        counted["offered"],
        counted["answered"],
        counted["abandoned"],
    )
    store.close()

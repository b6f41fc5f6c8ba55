"""The generator of `calldesk bench context` writes what the product writes: every entry's data is
the journal's own JSON text (sorted keys, as `Journal.append` stores it), entries come in time
order, and the store it leaves has the product's schema, indexes and journal mode."""

from __future__ import annotations

import json
import random

from calldesk.bench.context_data import _interaction, generate
from calldesk.customers.journey import Journeys
from calldesk.customers.service import CustomerService
from calldesk.store import Store

ANSWERED_VOICE = [
    "leg.create",
    "leg.answer",
    "ivr.started",
    "ivr.step",
    "interaction.arrived",
    "interaction.offered",
    "agent.state",
    "customer.attached",
    "ivr.finished",
    "interaction.answered",
    "agent.state",
    "screen_pop",
    "leg.create",
    "leg.answer",
    "interaction.bridged",
    "leg.bridge",
    "interaction.ended",
    "agent.state",
    "agent.wrapup",
    "agent.state",
    "api.wrapup",
    "leg.hangup_complete",
    "leg.hangup_complete",
]


def test_entries_are_the_journals_own_json() -> None:
    rnd = random.Random(5)
    kinds = set()
    for n in range(400):
        medium = ("voice", "chat", "sms", "email")[n % 4]
        for at, kind, subject, data in _interaction(
            rnd, f"i-{n}", 1.76e9 + n * 60, n, "a1", medium
        ):
            assert json.dumps(json.loads(data), sort_keys=True) == data, (kind, data)
            assert isinstance(at, float) and subject
            kinds.add(kind)
    assert {"customer.attached", "screen_pop", "interaction.abandoned", "message.sent"} <= kinds


def test_an_answered_call_leaves_what_a_real_call_leaves() -> None:
    rnd = random.Random(1)
    for _ in range(50):  # some abandon: find an answered one
        rows = _interaction(rnd, "v-1", 1.76e9, 4, "a7", "voice")
        if any(k == "interaction.answered" for _, k, _, _ in rows):
            break
    assert [k for _, k, _, _ in rows] == ANSWERED_VOICE


def test_generate_leaves_the_products_schema_and_a_readable_journey(tmp_path) -> None:
    path = tmp_path / "b.sqlite"
    store = Store.open(path)
    schema = sorted(store.db.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
    made = generate(store, customers=300, events=4000, day_interactions=50)
    store.close()
    store = Store.open(path)
    after = store.db.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    assert sorted(after) == schema  # no table, index or trigger more or less (no ANALYZE)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    ats = [r[0] for r in store.db.execute("SELECT at FROM journal ORDER BY id").fetchall()]
    assert ats == sorted(ats) and len(ats) == made["events"]
    linked = store.db.execute("SELECT count(*) FROM customer_interactions").fetchone()[0]
    assert linked == made["interactions"]
    cs = CustomerService(store).customers
    customer = cs.customer_of(
        store.db.execute("SELECT interaction FROM customer_interactions LIMIT 1").fetchone()[0]
    )
    assert customer is not None
    (last,) = Journeys(cs).timeline(customer, limit=1)
    assert last["queue"] and last["intent"] and last["outcome"] in ("handled", "abandoned")
    if last["outcome"] == "handled":
        assert last["agent"] and last["disposition"] in ("resolved", "callback")
    store.close()

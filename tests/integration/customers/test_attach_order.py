"""`customer.attached` is dated at the arrival but written once the customer is resolved (the
follower runs after the arrival is published), so its sequence number comes after entries dated
later. The journey reads by time, so it is unaffected; the report's fold reads by sequence, and a
report caught up between the arrival and the attachment used to keep the raw caller id as the
fact's customer for good: the repeat contact on another medium was not seen and first-contact
resolution differed from a rebuild. The fold now takes the customer from `customer.attached`."""

from __future__ import annotations

from tests.integration.customers.journal_helpers import interaction

from calldesk.customers.journey import Journeys
from calldesk.customers.service import CustomerService
from calldesk.reports.source import Facts, interval_report
from calldesk.store import Store

T0 = 1_764_547_200.0  # 2025-12-01 00:00 UTC
PHONE = "+12025550100"


def _fact_customer(store: Store, iid: str) -> str | None:
    row = store.db.execute(
        "SELECT customer FROM report_facts WHERE interaction = ?", [iid]
    ).fetchone()
    return row[0] if row else None


def test_a_late_attachment_reaches_the_report_as_a_rebuild_sees_it(tmp_path) -> None:
    store = Store.open(tmp_path / "db.sqlite")
    service = CustomerService(store)
    # the call arrives and is handled; a report catches up before the follower attaches it
    interaction(store, "call-1", T0, caller=PHONE, wait=5, talk=60)
    interval_report(store, T0, T0 + 86400, 86400, ("queue",))
    assert _fact_customer(store, "call-1") == PHONE  # only the caller id is known yet
    arrival = next(store.journal.read(kind="interaction.arrived", subject="call-1"))
    phone = service.identity("phone", PHONE)
    attached = service.attach_interaction("call-1", "voice", [phone], arrival.at)
    assert attached is not None
    entry = next(store.journal.read(kind="customer.attached", subject="call-1"))
    later = [e for e in store.journal.read(subject="call-1") if e.at > entry.at]
    assert entry.at == arrival.at and later and all(e.id < entry.id for e in later)
    # the next contact, a chat an hour later from the same customer on the same intent
    store.db.execute(
        "INSERT INTO customer_identities (kind, value, customer, verified, source, added_at) "
        "VALUES ('chat', 'tok-1', ?, 0, 'test', ?)",
        [attached.customer, T0],
    )
    interaction(store, "chat-2", T0 + 3600, medium="chat", caller="tok-1", wait=2, talk=30)
    chat = next(store.journal.read(kind="interaction.arrived", subject="chat-2"))
    service.attach_interaction("chat-2", "chat", [service.identity("chat", "tok-1")], chat.at)

    caught_up = interval_report(store, T0, T0 + 86400, 86400, ("queue", "medium"))
    assert _fact_customer(store, "call-1") == attached.customer
    voice = next(r for r in caught_up if r["medium"] == "voice")
    assert voice["fcr"] == 0.0  # the chat came back on the same intent within 72 h
    Facts(store).rebuild()
    assert interval_report(store, T0, T0 + 86400, 86400, ("queue", "medium")) == caught_up

    # the journey goes by time: the late row does not move the call's start or end
    call = Journeys(service.customers).interaction("call-1", "voice")
    assert call["start"] == T0 and call["end"] == max(
        e.at for e in store.journal.read(subject="call-1")
    )
    assert [c["interaction"] for c in Journeys(service.customers).timeline(attached.customer)] == [
        "chat-2",
        "call-1",
    ]
    store.close()

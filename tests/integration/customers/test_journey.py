"""The customer journey on a real SQLite store: chat then a verified call merge under one
customer, the call's screen pop shows the chat, merges undo, and the outcome counts one journey
with two contacts. Interactions are written to the journal as the IVR and the ACD write them."""

from __future__ import annotations

import pytest
from tests.integration.customers.journal_helpers import interaction

from calldesk.customers.contexts import SqliteContexts
from calldesk.customers.follow import Follower
from calldesk.customers.journey import Journeys, outcomes
from calldesk.customers.screenpop import assemble
from calldesk.customers.service import CustomerService
from calldesk.customers.settings import Settings
from calldesk.customers.store import CustomerError
from calldesk.notify import Notifier
from calldesk.store import Store

DAY = 86400.0
T0 = 1_764_000_000.0


@pytest.fixture
def world(tmp_path):
    store = Store.open(tmp_path / "c.sqlite")
    notifier = Notifier()
    store.journal.notifier = notifier
    service = CustomerService(store, Settings(country="GB"))
    notifier.subscribe(Follower(service).on_entry)  # attach as arrivals are journaled
    yield store, service, SqliteContexts(store)
    store.close()


def test_chat_then_verified_call_is_one_customer_and_the_pop_shows_the_chat(world):
    store, service, contexts = world
    # 1. a chat, unverified: the visitor token, and an account number typed in the chat
    interaction(
        store,
        "chat-1",
        T0,
        medium="chat",
        caller="tok-77",
        variables={"identity_account": "a-123", "intent": "billing"},
    )
    chat_customer = service.customers.customer_of("chat-1")
    assert chat_customer is not None
    held = {
        (i["kind"], i["value"]): i["verified"] for i in service.customers.identities(chat_customer)
    }
    assert held == {("chat", "tok-77"): False, ("account", "A-123"): False}
    contexts.write("interaction:chat-1", {"summary": "asked about a double charge"})

    # 2. a call from a new number; the IVR verifies the account with a PIN
    interaction(
        store,
        "call-1",
        T0 + 3600,
        caller="020 7183 8750",
        variables={"identity_account": "A-123", "verified_account": True, "intent": "billing"},
    )
    assert service.customers.customer_of("call-1") == chat_customer
    held = {
        (i["kind"], i["value"]): i["verified"] for i in service.customers.identities(chat_customer)
    }
    assert held[("account", "A-123")] is True  # verified by the IVR now
    assert held[("phone", "+442071838750")] is False  # caller ID stays unverified

    # 3. the agent's pop on the call carries the chat, one line, and the verified flag
    pop = assemble(service, contexts, "call-1")
    assert pop["customer"]["id"] == chat_customer and pop["verified"] is True
    assert (
        len(pop["last_contacts"]) == 1 and " chat billing: handled by a1" in pop["last_contacts"][0]
    )
    assert pop["journey"]["contacts"] == 2 and pop["journey"]["media"] == ["chat", "voice"]
    # context stored for the chat is not the call's; the customer's identities' context is
    contexts.write("account:A-123", {"tier": "gold"})
    assert assemble(service, contexts, "call-1")["context"] == {"tier": "gold"}

    # 5. one journey, two contacts: a repeat within 72 h on the same intent is not FCR
    timeline = Journeys(service.customers).timeline(chat_customer)
    (journey,) = outcomes(timeline, 72 * 3600, frozenset({"resolved"}))
    assert (journey["contacts"], journey["fcr"], journey["resolved"]) == (2, False, True)


def test_crm_record_verifying_an_account_merges_the_chat_customer_and_undoes(world):
    store, service, _ = world
    interaction(
        store, "chat-2", T0, medium="chat", caller="tok-1", variables={"identity_account": "B9"}
    )
    chat_customer = service.customers.customer_of("chat-2")
    crm, created = service.upsert(
        {
            "id": "crm-42",
            "name": "Ann Lee",
            "fields": {"tier": "gold"},
            "identities": [
                {"kind": "account", "value": "b9", "verified": True},
                {"kind": "email", "value": "Ann@Example.com"},
            ],
        },
        T0 + 10,
    )
    assert (crm, created) == ("crm-42", True)
    assert service.customers.live(chat_customer) == "crm-42"
    assert service.customers.customer_of("chat-2") == "crm-42"
    (m,) = service.customers.merges("crm-42")
    entries = [e for e in store.journal.read(kind="customer.merged")]
    assert entries[-1].data["absorbed"] == chat_customer and entries[-1].data["merge"] == m["id"]

    service.unmerge(m["id"], "ops", T0 + 20)
    assert service.customers.live(chat_customer) == chat_customer
    assert service.customers.customer_of("chat-2") == chat_customer
    back = {
        (i["kind"], i["value"]): i["verified"] for i in service.customers.identities(chat_customer)
    }
    assert back == {("chat", "tok-1"): False, ("account", "B9"): False}
    crm_ids = {(i["kind"], i["value"]) for i in service.customers.identities("crm-42")}
    assert crm_ids == {("account", "B9"), ("email", "ann@example.com")}
    with pytest.raises(CustomerError, match="already undone"):
        service.unmerge(m["id"], "ops", T0 + 30)
    assert [e.kind for e in store.journal.read(kind_prefix="customer.")][-1] == "customer.unmerged"


def test_shared_office_line_never_merges_two_callers(world):
    store, service, _ = world
    interaction(
        store,
        "c-a",
        T0,
        caller="+442071838750",
        variables={"identity_account": "X1", "verified_account": True},
    )
    interaction(
        store,
        "c-b",
        T0 + DAY,
        caller="+442071838750",
        variables={"identity_account": "Y2", "verified_account": True},
    )
    a, b = service.customers.customer_of("c-a"), service.customers.customer_of("c-b")
    assert a != b  # the same caller ID, two verified accounts: two people
    assert service.customers.merges(a) == [] and service.customers.merges(b) == []
    # a third call from the line, unverified: attaches to the most recent, merges nothing
    interaction(store, "c-c", T0 + 2 * DAY, caller="+442071838750")
    assert service.customers.customer_of("c-c") == b
    assert service.customers.live(a) == a


def test_attachments_rebuild_from_the_journal(world, tmp_path):
    store, service, _ = world
    interaction(store, "v-1", T0, caller="+442071838750")
    interaction(store, "v-2", T0 + 60, caller="+442071838750")
    other = Store.open(tmp_path / "copy.sqlite")
    other.journal.append_many(
        [
            (e.kind, e.subject, e.data, e.at)
            for e in store.journal.read()
            if not e.kind.startswith("customer.")
        ]
    )
    fresh = CustomerService(other, Settings(country="GB"))
    assert Follower(fresh).catch_up() == 2
    assert fresh.customers.customer_of("v-1") == fresh.customers.customer_of("v-2")
    assert Follower(fresh).catch_up() == 0  # idempotent

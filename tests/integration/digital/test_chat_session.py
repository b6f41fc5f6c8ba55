"""Issue 9 item 7: a flow runs as a chat, enqueues into the real ACD service, and the chat offer
is published for an agent; the agent who accepts gets the transcript and what the flow collected."""

from __future__ import annotations

import pytest
from tests.eventually import eventually
from tests.integration.digital.helpers import build

from calldesk.digital.desk import DigitalDesk


@pytest.fixture
def rig(tmp_path):
    r = build(tmp_path)
    r.acd_service.login("alice", ready=True)
    yield r
    r.stop()


def test_a_chat_runs_the_flow_is_queued_and_offered_to_an_agent(rig):
    desk, sent = rig.desk, rig.transport
    conv, first = desk.receive("chat", "visitor-1", "hi", name="Dana")
    assert conv.id.startswith("chat-") and first.seq == 1  # its own id, not a leg uuid
    sent.wait(conv.id, 2)  # greeting, then the menu's question
    assert sent.texts(conv.id) == [
        "Hello! This is Example Bank.",
        "Type 1 for sales or 2 for support.",
    ]
    eventually(lambda: desk.sessions[conv.id].asking, "the menu to wait for a reply")
    desk.receive("chat", "visitor-1", "Sales")  # the option's label picks it
    sent.wait(conv.id, 3)
    assert sent.texts(conv.id)[-1] == "Your account number?"
    eventually(lambda: desk.sessions[conv.id].asking, "the collect to wait")
    desk.receive("chat", "visitor-1", "12345")

    offered = eventually(
        lambda: [
            e for e in rig.published if e.kind == "interaction.offered" and e.subject == conv.id
        ],
        "the chat offer to be published",
    )
    assert offered[0].data["agent"] == "alice" and offered[0].data["queue"] == "sales"
    arrived = [e for e in rig.published if e.kind == "interaction.arrived" and e.subject == conv.id]
    assert arrived[0].data["medium"] == "chat"
    assert rig.store.db.execute("SELECT COUNT(*) FROM acd_legs").fetchone()[0] == 0  # no leg
    assert desk.messages.get(conv.id).state == "offered"

    view = desk.accept(offered[0].data["offer"], "alice")
    assert view["collected"]["account"] == "12345" and view["collected"]["reason"] == "sales"
    assert view["collected"]["menu_choice"] == "1"
    assert [(m["author"], m["text"]) for m in view["transcript"]] == [
        ("customer", "hi"),
        ("bot", "Hello! This is Example Bank."),
        ("bot", "Type 1 for sales or 2 for support."),
        ("customer", "Sales"),
        ("bot", "Your account number?"),
        ("customer", "12345"),
    ]
    eventually(lambda: "interaction.answered" in rig.kinds(conv.id), "the ACD to connect it")
    assert rig.acd_service.acd.agents["alice"].load().get("chat") == 1

    reply = desk.reply(conv.id, "alice", "Hi Dana, I can see your account.")
    assert reply.status == "sent" and sent.texts(conv.id)[-1].startswith("Hi Dana")
    _, msg = desk.receive("chat", "visitor-1", "thanks")
    received = [
        e for e in rig.published if e.kind == "message.received" and e.data["message"] == msg.id
    ]
    assert received[0].data["agent"] == "alice"  # the agent's socket is told

    desk.close(conv.id, "agent_closed")
    ended = eventually(
        lambda: [
            e for e in rig.published if e.kind == "interaction.ended" and e.subject == conv.id
        ],
        "the ACD to end it",
    )
    assert ended[0].data["agent"] == "alice" and ended[0].data["cause"] == "agent_closed"
    assert desk.messages.get(conv.id).state == "closed"
    assert conv.id not in rig.acd_service.acd.interactions


def test_a_customer_who_leaves_while_waiting_is_abandoned(rig):
    rig.acd_service.not_ready("alice")
    desk = rig.desk
    conv, _ = desk.receive("chat", "visitor-2", "hello")
    rig.transport.wait(conv.id, 2)
    eventually(lambda: desk.sessions[conv.id].asking, "the menu")
    desk.receive("chat", "visitor-2", "2")
    eventually(lambda: "interaction.arrived" in rig.kinds(conv.id), "the enqueue")
    assert desk.messages.get(conv.id).state == "queued"
    desk.customer_left(conv.id)
    abandoned = eventually(
        lambda: [
            e for e in rig.published if e.kind == "interaction.abandoned" and e.subject == conv.id
        ],
        "the abandon",
    )
    assert abandoned[0].data["medium"] == "chat"
    assert desk.messages.get(conv.id).close_reason in ("customer_left", "abandoned")
    assert conv.id not in rig.acd_service.acd.interactions


def test_a_customer_who_leaves_during_the_flow_is_closed_without_queueing(rig):
    desk = rig.desk
    conv, _ = desk.receive("chat", "visitor-3", "hello")
    eventually(lambda: desk.sessions[conv.id].asking, "the menu")
    desk.customer_left(conv.id)
    eventually(lambda: desk.messages.get(conv.id).state == "closed", "the close")
    assert desk.messages.get(conv.id).close_reason == "customer left"
    assert "interaction.arrived" not in rig.kinds(conv.id)


def test_a_restart_loses_no_chat_the_offer_is_made_again(tmp_path):
    first = build(tmp_path)
    first.acd_service.login("alice", ready=True)
    desk = first.desk
    conv, _ = desk.receive("chat", "visitor-9", "hello")
    eventually(lambda: desk.sessions[conv.id].asking, "the menu")
    desk.receive("chat", "visitor-9", "2")
    offered = eventually(
        lambda: [
            e for e in first.published if e.kind == "interaction.offered" and e.subject == conv.id
        ],
        "the offer",
    )
    # a second desk over the same store (a restarted web worker) knows the pending offer
    other = DigitalDesk(
        first.store,
        first.acd_service,
        desk.flows,
        desk.runner,
        desk.transports,
        first.clock,
        desk.settings,
    )
    assert other.offers == {} and other._offer_after_restart(offered[0].data["offer"]) == conv.id
    first.stop()  # the controller goes away while the offer is out

    again = build(tmp_path)  # a new ACD service and desk over the same store
    try:
        assert conv.id in again.acd_service.acd.interactions  # replayed, not lost
        # a chat offer has no leg: recovery keeps it (the voice adapter's reconciliation leaves
        # digital offers alone), and the agent's desk accepts the very same offer
        oid = offered[0].data["offer"]
        assert again.acd_service.view.offer(oid) is not None
        reoffer = offered
        view = again.desk.accept(reoffer[-1].data["offer"], "alice")
        assert [m["text"] for m in view["transcript"]][0] == "hello"
        assert view["collected"]["reason"] == "support" and "_offer" not in view["collected"]
        eventually(lambda: "interaction.answered" in again.kinds(conv.id), "the connect")
    finally:
        again.stop()

"""The digital desk over the real ACD service and a real SQLite file: threading, history, receipts,
idle reminders and closes per queue, and nothing accepted lost across a restart."""

from __future__ import annotations

import pytest
from tests.eventually import eventually
from tests.integration.digital.helpers import build

from calldesk.digital.idle import IdlePolicy
from calldesk.digital.settings import DigitalSettings
from calldesk.digital.store import MessageStore
from calldesk.store import Store


def _to_agent(rig, address: str, medium: str = "chat") -> str:
    """Run the flow to the support queue and accept the offer as alice; returns the interaction."""
    desk = rig.desk
    conv, _ = desk.receive(medium, address, "hello")
    eventually(lambda: conv.id in desk.sessions and desk.sessions[conv.id].asking, "the menu")
    desk.receive(medium, address, "Support")
    offer = eventually(
        lambda: [
            e for e in rig.published if e.kind == "interaction.offered" and e.subject == conv.id
        ],
        "the offer",
    )
    desk.accept(offer[0].data["offer"], "alice")
    return conv.id


@pytest.fixture
def rig(tmp_path):
    settings = DigitalSettings(
        flows={"chat": "chatbot", "sms": "chatbot"},
        thread_window_s=600.0,
        idle=IdlePolicy(remind_after_s=300, close_after_s=900),
        idle_by_queue={
            "support": IdlePolicy(remind_after_s=60, close_after_s=120, reminder="Still there?")
        },
    )
    r = build(tmp_path, settings=settings)
    r.acd_service.login("alice", ready=True)
    yield r
    r.stop()


def test_idle_customer_gets_the_queues_reminder_then_is_closed(rig):
    iid = _to_agent(rig, "v-idle")
    desk, clock = rig.desk, rig.clock
    clock.t += 5
    desk.reply(iid, "alice", "How can I help?")
    assert desk.sweep(clock.t + 59) == []
    assert desk.sweep(clock.t + 60) == [(iid, "remind")]
    assert rig.transport.texts(iid)[-1] == "Still there?"
    assert desk.sweep(clock.t + 90) == []  # reminded once
    assert desk.sweep(clock.t + 120) == [(iid, "close")]
    ended = eventually(
        lambda: [e for e in rig.published if e.kind == "interaction.ended" and e.subject == iid],
        "the ACD to end it",
    )
    assert ended[0].data["cause"] == "idle"
    assert desk.messages.get(iid).state == "closed"


def test_a_customer_who_answers_resets_the_idle_clock(rig):
    iid = _to_agent(rig, "v-busy")
    desk, clock = rig.desk, rig.clock
    clock.t += 5
    desk.reply(iid, "alice", "Your order number?")
    assert desk.sweep(clock.t + 60) == [(iid, "remind")]
    clock.t += 70
    desk.receive("chat", "v-busy", "It is 4411")
    assert desk.sweep(clock.t + 500) == []  # the agent owes the answer now: not idle
    clock.t += 5
    desk.reply(iid, "alice", "Thanks")
    assert desk.sweep(clock.t + 60) == [(iid, "remind")]


def test_sms_threading_window_and_history_carried_to_the_next_interaction(rig):
    desk, clock = rig.desk, rig.clock
    first, _ = desk.receive("sms", "+15551234567", "hi")
    eventually(lambda: desk.sessions[first.id].asking, "the menu")
    clock.t += 700  # past the window while still with the bot: a new interaction
    second, _ = desk.receive("sms", "+15551234567", "hello again")
    assert second.id != first.id and second.previous == first.id
    assert desk.messages.get(first.id).close_reason == "expired"
    clock.t += 10
    same, _ = desk.receive("sms", "+15551234567", "Sales")  # within the window: joins
    assert same.id == second.id
    texts = [m.text for m in desk.messages.transcript(second.id)]
    assert texts[0] == "hi" and "hello again" in texts  # the history comes along


def test_a_retried_message_arrives_once_and_receipts_only_move_forward(rig):
    desk = rig.desk
    conv, m1 = desk.receive("chat", "v-retry", "hello", external_id="c-1")
    _, again = desk.receive("chat", "v-retry", "hello", external_id="c-1")
    assert again.id == m1.id
    assert [m.text for m in desk.messages.transcript(conv.id) if m.author == "customer"] == [
        "hello"
    ]
    out = rig.transport.wait(conv.id, 1)[0]
    sent = desk.messages.transcript(conv.id)[1]
    assert sent.id == out.id and sent.status == "sent"
    assert desk.receipt(sent.external_id, "read")
    assert not desk.receipt(sent.external_id, "delivered")  # late, and behind 'read'
    assert desk.messages.transcript(conv.id)[1].status == "read"
    assert [e.data["status"] for e in rig.published if e.kind == "message.status"] == ["read"]


def test_accepted_messages_and_open_conversations_survive_a_restart(tmp_path, rig):
    desk = rig.desk
    conv, msg = desk.receive("chat", "v-crash", "hello")
    # what the medium acknowledged is committed: another connection reads it at once
    other = Store.open(rig.store.path)
    try:
        stored = MessageStore(other).transcript(conv.id)
        assert stored[0].id == msg.id and stored[0].text == "hello"
        assert MessageStore(other).get(conv.id).open
    finally:
        other.close()
    rig.stop()
    reopened = build(tmp_path)  # a new desk over the same file
    try:
        assert conv.id in reopened.desk.live
        assert reopened.desk.messages.transcript(conv.id)[0].text == "hello"
    finally:
        reopened.stop()
    rig.stop = lambda: None  # already stopped


@pytest.fixture
def survey_rig(tmp_path):
    from calldesk.digital.settings import Survey

    settings = DigitalSettings(flows={"chat": "chatbot"}, survey=Survey(frozenset({"support"})))
    r = build(tmp_path, settings=settings)
    r.acd_service.login("alice", ready=True)
    yield r
    r.stop()


def test_csat_after_an_answered_chat_is_stored_and_published(survey_rig):
    rig = survey_rig
    desk = rig.desk
    iid = _to_agent(rig, "v-csat")
    desk.close(iid, "agent_closed")
    assert rig.transport.texts(iid)[-1].startswith("How did we do?")
    conv, msg = desk.receive("chat", "v-csat", "5 - quick and kind")
    assert conv.id == iid and msg.interaction == iid  # the answer joins the closed one
    assert desk.messages.get(iid).data["csat"] == {"score": 5, "comment": "quick and kind"}
    answered = [e for e in rig.published if e.kind == "survey.answered"]
    assert answered[0].subject == iid and answered[0].data["score"] == 5
    assert answered[0].data["agent"] == "alice" and answered[0].data["queue"] == "support"
    assert rig.transport.texts(iid)[-1] == "Thank you for your feedback."
    again, _ = desk.receive("chat", "v-csat", "another question")  # the survey is done
    assert again.id != iid and again.previous == iid


def test_a_reply_that_is_not_a_score_opens_a_new_conversation(survey_rig):
    rig = survey_rig
    iid = _to_agent(rig, "v-nocsat")
    rig.desk.close(iid, "agent_closed")
    conv, _ = rig.desk.receive("chat", "v-nocsat", "I have another problem")
    assert conv.id != iid
    assert rig.desk.messages.get(iid).data["survey"] == "skipped"
    assert not [e for e in rig.published if e.kind == "survey.answered"]

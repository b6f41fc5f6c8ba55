"""Queued callbacks: keep the place in line, reserve the agent first, then dial; retry per policy."""

from __future__ import annotations

from calldesk.acd import AgentPolicy, AgentState, QueueConfig
from calldesk.acd import events as ev

from .helpers import agent, arrive, journal_kinds, kinds, make, offers, only_offer

POLICY = AgentPolicy(callback_attempts=2, callback_retry_s=100, lease_s=20)


def _setup():  # type: ignore[no-untyped-def]
    acd = make([QueueConfig("q")], [agent("a1", "q")], policy=POLICY, ready=False)
    arrive(acd, "cb", "q", 0, customer="+4420")
    arrive(acd, "later", "q", 5)
    acd.handle(ev.CallbackRequested("cb", "+4420111"), 6)
    return acd


def test_callback_keeps_its_place_and_reserves_the_agent_before_dialing() -> None:
    acd = _setup()
    o = only_offer(acd.handle(ev.AgentLogin("a1", ready=True), 50))
    assert (o.interaction, o.callback_number) == ("cb", "+4420111")
    out = acd.handle(ev.OfferAccepted(o.id), 52)
    assert kinds(out) == ["DialCallback"] and out[0].number == "+4420111" and out[0].attempt == 1
    assert acd.agents["a1"].state is AgentState.BUSY
    acd.handle(ev.CallbackConnected("cb"), 60)
    ans = [r for r in acd.journal if r.kind == "interaction.answered"]
    assert ans[0].subject == "cb" and ans[0].data["wait"] == 60
    assert only_offer(acd.handle(ev.InteractionEnded("cb"), 100)).interaction == "later"


def test_failed_callback_is_retried_then_given_up() -> None:
    acd = _setup()
    o = only_offer(acd.handle(ev.AgentLogin("a1", ready=True), 50))
    acd.handle(ev.OfferAccepted(o.id), 50)
    out = acd.handle(ev.CallbackFailed("cb", "no_answer"), 80)
    o2 = only_offer(out)  # agent freed without penalty and takes the next one
    assert o2.interaction == "later" and acd.agents["a1"].missed == 0
    acd.handle(ev.OfferAccepted(o2.id), 80)
    acd.handle(ev.InteractionEnded("later"), 90)
    assert offers(acd.handle(ev.Tick(), 179)) == []
    o3 = only_offer(acd.handle(ev.Tick(), 180))  # retry due at 80 + 100
    assert o3.interaction == "cb"
    acd.handle(ev.OfferAccepted(o3.id), 181)
    out = acd.handle(ev.CallbackFailed("cb", "busy"), 190)
    assert kinds(out) == ["Overflow"] and out[0].why.rule == "callback attempts exhausted"
    assert "cb" not in acd.interactions
    assert journal_kinds(acd, "cb").count("callback.dialing") == 2


def test_callback_requested_when_not_waiting_is_ignored() -> None:
    acd = make([QueueConfig("q")], [agent("a1", "q")], policy=POLICY)
    o = only_offer(arrive(acd, "i1", "q", 0))
    acd.handle(ev.OfferAccepted(o.id), 1)
    assert kinds(acd.handle(ev.CallbackRequested("i1", "+1"), 2)) == ["Ignored"]
    assert kinds(acd.handle(ev.CallbackConnected("i1"), 3)) == ["Ignored"]


def test_callback_is_not_subject_to_max_wait() -> None:
    acd = make([QueueConfig("q", max_wait_s=60)], [agent("a1", "q")], ready=False)
    arrive(acd, "cb", "q", 0)
    acd.handle(ev.CallbackRequested("cb", "+1"), 10)
    assert acd.handle(ev.Tick(), 100) == []
    assert acd.interactions["cb"].state.value == "waiting"


def test_callback_refused_by_outbound_rules_is_not_retried() -> None:
    acd = _setup()
    o = only_offer(acd.handle(ev.AgentLogin("a1", ready=True), 50))
    acd.handle(ev.OfferAccepted(o.id), 50)
    out = acd.handle(ev.CallbackFailed("cb", "refused_premium"), 51)
    overflow = [d for d in out if type(d).__name__ == "Overflow"]
    assert overflow and overflow[0].why.rule == "callback refused by outbound rules"
    assert "cb" not in acd.interactions
    assert journal_kinds(acd, "cb").count("callback.dialing") == 1
    assert journal_kinds(acd, "cb").count("callback.failed") == 1

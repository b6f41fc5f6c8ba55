"""Agent state machine: every transition, wrap-up per queue and per agent, off-queue calls."""

from __future__ import annotations

from calldesk.acd import AgentState, QueueConfig
from calldesk.acd import events as ev

from .helpers import agent, arrive, make, offers, only_offer

Q = QueueConfig("sales", wrap_up_s=30)


def test_login_not_ready_then_ready_then_logout() -> None:
    acd = make([Q], [agent("a1", "sales")], ready=False)
    a = acd.agents["a1"]
    assert a.state is AgentState.LOGGED_OUT
    acd.handle(ev.AgentLogin("a1"), 0)
    assert (a.state, a.reason) == (AgentState.NOT_READY, "login")
    acd.handle(ev.AgentReady("a1"), 5)
    assert a.state is AgentState.AVAILABLE and a.idle_since == 5
    acd.handle(ev.AgentNotReady("a1", "lunch"), 6)
    assert (a.state, a.reason) == (AgentState.NOT_READY, "lunch")
    acd.handle(ev.AgentLogout("a1"), 7)
    assert a.state is AgentState.LOGGED_OUT
    states = [r.data["state"] for r in acd.journal if r.kind == "agent.state"]
    assert states == ["not_ready", "available", "not_ready", "logged_out"]


def test_ready_while_logged_out_is_ignored() -> None:
    acd = make([Q], [agent("a1", "sales")], ready=False)
    out = acd.handle(ev.AgentReady("a1"), 0)
    assert type(out[0]).__name__ == "Ignored"
    assert acd.agents["a1"].state is AgentState.LOGGED_OUT


def test_full_cycle_offered_busy_wrap_up_available() -> None:
    acd = make([Q], [agent("a1", "sales")])
    a = acd.agents["a1"]
    o = only_offer(arrive(acd, "i1", "sales", 10))
    assert a.state is AgentState.OFFERED
    acd.handle(ev.OfferAccepted(o.id), 12)
    assert a.state is AgentState.BUSY
    acd.handle(ev.InteractionEnded("i1"), 100)
    assert a.state is AgentState.WRAP_UP and a.handled == 1 and a.talk_s == 88
    assert acd.next_deadline() == 130
    acd.handle(ev.Tick(), 130)
    assert a.state is AgentState.AVAILABLE and a.wrap_s == 30 and a.idle_since == 130


def test_wrap_up_done_early_and_agent_wrap_overrides_queue() -> None:
    acd = make([Q], [agent("a1", "sales", wrap_up_s=5.0)])
    a = acd.agents["a1"]
    o = only_offer(arrive(acd, "i1", "sales", 10))
    acd.handle(ev.OfferAccepted(o.id), 10)
    acd.handle(ev.InteractionEnded("i1"), 20)
    assert a.wrapups["i1"][2] == 25  # agent's 5 s, not the queue's 30 s
    acd.handle(ev.WrapUpDone("a1"), 22)
    assert a.state is AgentState.AVAILABLE and a.wrap_s == 2


def test_waiting_interaction_is_offered_when_wrap_up_ends() -> None:
    acd = make([Q], [agent("a1", "sales")])
    o = only_offer(arrive(acd, "i1", "sales", 10))
    acd.handle(ev.OfferAccepted(o.id), 10)
    assert offers(arrive(acd, "i2", "sales", 11)) == []
    acd.handle(ev.InteractionEnded("i1"), 20)
    o2 = only_offer(acd.handle(ev.Tick(), 50))
    assert o2.interaction == "i2" and o2.agent == "a1"


def test_not_ready_during_a_call_applies_after_it() -> None:
    acd = make([QueueConfig("sales")], [agent("a1", "sales")])
    a = acd.agents["a1"]
    o = only_offer(arrive(acd, "i1", "sales", 10))
    acd.handle(ev.OfferAccepted(o.id), 10)
    acd.handle(ev.AgentNotReady("a1", "training"), 15)
    assert a.state is AgentState.BUSY
    arrive(acd, "i2", "sales", 16)
    out = acd.handle(ev.InteractionEnded("i1"), 20)
    assert offers(out) == [] and (a.state, a.reason) == (AgentState.NOT_READY, "training")


def test_off_queue_direct_call_makes_agent_busy() -> None:
    acd = make([Q], [agent("a1", "sales")])
    a = acd.agents["a1"]
    acd.handle(ev.DirectCallStarted("a1", "leg-42"), 5)
    assert a.state is AgentState.BUSY
    assert offers(arrive(acd, "i1", "sales", 6)) == []
    o = only_offer(acd.handle(ev.AgentCallEnded("a1", "leg-42"), 30))
    assert o.interaction == "i1"
    assert type(acd.handle(ev.AgentCallEnded("a1", "nope"), 31)[0]).__name__ == "Ignored"


def test_unknown_agent_is_ignored() -> None:
    acd = make([Q], [agent("a1", "sales")])
    out = acd.handle(ev.AgentLogin("ghost"), 0)
    assert type(out[0]).__name__ == "Ignored" and "ghost" in out[0].reason

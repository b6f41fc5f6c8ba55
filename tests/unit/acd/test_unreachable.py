"""An agent whose phone cannot be reached (USER_NOT_REGISTERED and kin) is not offered call after
call: not-ready `unreachable`, journaled, and ready again after the retry time."""

from __future__ import annotations

from calldesk.acd import Acd, AgentConfig, AgentPolicy, Offer, QueueConfig
from calldesk.acd import events as ev


def core(retry: float = 60.0) -> Acd:
    agents = [AgentConfig("a1", "user/1001", queues=("q",)),
              AgentConfig("a2", "user/1002", queues=("q",))]
    return Acd([QueueConfig("q")], agents, policy=AgentPolicy(unreachable_retry_s=retry))


def offers(decisions) -> list[Offer]:
    return [d for d in decisions if isinstance(d, Offer)]


def test_unreachable_agent_goes_not_ready_and_the_call_goes_to_the_next_agent() -> None:
    acd = core()
    acd.handle(ev.AgentLogin("a1", ready=True), 0.0)
    acd.handle(ev.AgentLogin("a2", ready=True), 1.0)  # a1 has been idle longest: first choice
    first = offers(acd.handle(ev.InteractionArrived("i1", "q", "voice"), 10.0))
    assert [o.agent for o in first] == ["a1"]
    again = offers(acd.handle(ev.OfferRefused(first[0].id, "unreachable"), 10.1))
    assert [o.agent for o in again] == ["a2"]  # the caller keeps their place, another agent
    a1 = acd.view().agent("a1")
    assert a1.state.value == "not_ready" and a1.reason == "unreachable"
    kinds = [r.kind for r in acd.drain_journal()]
    assert "agent.unreachable" in kinds and "agent.rona" not in kinds
    # a new caller is not offered to the unreachable agent
    assert offers(acd.handle(ev.InteractionArrived("i2", "q", "voice"), 20.0)) == []


def test_the_retry_makes_the_agent_ready_again() -> None:
    acd = core(retry=30.0)
    acd.handle(ev.AgentLogin("a1", ready=True), 0.0)
    first = offers(acd.handle(ev.InteractionArrived("i1", "q", "voice"), 1.0))
    acd.handle(ev.OfferRefused(first[0].id, "unreachable"), 2.0)
    assert acd.next_deadline() == 32.0
    retried = offers(acd.handle(ev.Tick(), 32.0))
    assert [o.agent for o in retried] == ["a1"]  # tried once more, with the waiting caller


def test_no_retry_means_not_ready_until_told() -> None:
    acd = core(retry=0.0)
    acd.handle(ev.AgentLogin("a1", ready=True), 0.0)
    first = offers(acd.handle(ev.InteractionArrived("i1", "q", "voice"), 1.0))
    acd.handle(ev.OfferRefused(first[0].id, "unreachable"), 2.0)
    assert acd.next_deadline() is None or acd.next_deadline() > 2.0
    assert acd.view().agent("a1").reason == "unreachable"
    assert [o.agent for o in offers(acd.handle(ev.AgentReady("a1"), 5.0))] == ["a1"]

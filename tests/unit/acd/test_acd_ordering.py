"""Order of waiting interactions, aging, the cross-queue fairness rule, sticky routing."""

from __future__ import annotations

from calldesk.acd import QueueConfig
from calldesk.acd import events as ev

from .helpers import agent, arrive, make, offers, only_offer


def _busy_agent(acd, t: float) -> None:  # type: ignore[no-untyped-def]
    """Occupy a1 with a filler interaction so the next ones wait."""
    o = only_offer(arrive(acd, "filler", acd.agents["a1"].cfg.queues[0], t))
    acd.handle(ev.OfferAccepted(o.id), t)


def _next_after_release(acd, t: float) -> str:  # type: ignore[no-untyped-def]
    out = acd.handle(ev.InteractionEnded("filler" if "filler" in acd.interactions else "x"), t)
    return only_offer(out).interaction


def test_priority_first_then_age() -> None:
    acd = make([QueueConfig("q")], [agent("a1", "q")])
    _busy_agent(acd, 10)
    arrive(acd, "old-low", "q", 11, priority=0)
    arrive(acd, "older-high", "q", 11.5, priority=5)
    arrive(acd, "new-high", "q", 12, priority=5)
    assert _next_after_release(acd, 20) == "older-high"


def test_aging_lets_a_long_waiting_low_priority_interaction_overtake() -> None:
    q = QueueConfig("q", aging_every_s=10, aging_max=3)
    acd = make([q], [agent("a1", "q")])
    _busy_agent(acd, 0)
    arrive(acd, "low", "q", 10, priority=0)  # at t=45: 0 + min(3, 3) = 3
    arrive(acd, "mid", "q", 40, priority=2)  # at t=45: 2 + 0 = 2
    assert _next_after_release(acd, 45) == "low"


def test_aging_is_capped() -> None:
    q = QueueConfig("q", aging_every_s=10, aging_max=1)
    acd = make([q], [agent("a1", "q")])
    _busy_agent(acd, 0)
    arrive(acd, "low", "q", 1, priority=0)  # capped at 1
    arrive(acd, "high", "q", 100, priority=2)
    assert _next_after_release(acd, 200) == "high"


def test_cross_queue_fairness_highest_priority_then_longest_wait() -> None:
    """An agent in three queues takes the interaction with the highest effective priority;
    among equals the one that has waited longest, whatever queue it is in."""
    queues = [QueueConfig("a", priority=1), QueueConfig("b", priority=1), QueueConfig("c")]
    acd = make(queues, [agent("a1", "a", "b", "c")])
    _busy_agent(acd, 0)
    arrive(acd, "c-oldest-low", "c", 1)
    arrive(acd, "b-second", "b", 2)
    arrive(acd, "a-third", "a", 3)
    arrive(acd, "b-fourth", "b", 4)
    order = []
    for n in range(4):
        out = acd.handle(ev.InteractionEnded(order[-1] if order else "filler"), 10 + 10 * n)
        o = only_offer(out)
        acd.handle(ev.OfferAccepted(o.id), 10 + 10 * n)
        order.append(o.interaction)
    assert order == ["b-second", "a-third", "b-fourth", "c-oldest-low"]


def test_cross_queue_fairness_does_not_depend_on_queue_listing_order() -> None:
    for member_order in (("a", "b"), ("b", "a")):
        acd = make([QueueConfig("a"), QueueConfig("b")], [agent("a1", *member_order)])
        _busy_agent(acd, 0)
        arrive(acd, "in-b", "b", 1)
        arrive(acd, "in-a", "a", 2)
        assert _next_after_release(acd, 10) == "in-b"


def test_same_arrival_time_is_broken_by_arrival_order() -> None:
    acd = make([QueueConfig("a"), QueueConfig("b")], [agent("a1", "a", "b")])
    _busy_agent(acd, 0)
    arrive(acd, "first", "b", 5)
    arrive(acd, "second", "a", 5)
    assert _next_after_release(acd, 10) == "first"


def test_agent_skips_interactions_it_lacks_skills_for() -> None:
    q = QueueConfig("q")
    acd = make([q], [agent("a1", "q"), agent("a2", "q", skills={"es": 3})])
    acd.handle(ev.AgentNotReady("a2"), 5)
    _busy_agent(acd, 6)
    arrive(acd, "needs-es", "q", 7, skills={"es": 2})
    arrive(acd, "plain", "q", 8)
    assert _next_after_release(acd, 10) == "plain"
    o = only_offer(acd.handle(ev.AgentReady("a2"), 11))
    assert (o.interaction, o.agent) == ("needs-es", "a2")


def test_sticky_to_a_named_agent_then_fall_back() -> None:
    acd = make([QueueConfig("q")], [agent("a1", "q"), agent("a2", "q")])
    o = only_offer(arrive(acd, "f", "q", 5))
    assert o.agent == "a1"
    acd.handle(ev.OfferAccepted(o.id), 5)
    out = arrive(acd, "i1", "q", 6, sticky_agent="a1", sticky_s=30)
    assert offers(out) == []  # a2 is free but the interaction asked for a1
    o2 = only_offer(acd.handle(ev.Tick(), 36))
    assert (o2.agent, o2.why.rule) == ("a2", "longest_idle")


def test_sticky_agent_free_in_time_gets_it() -> None:
    acd = make([QueueConfig("q")], [agent("a1", "q"), agent("a2", "q")])
    o = only_offer(arrive(acd, "f", "q", 5))
    acd.handle(ev.OfferAccepted(o.id), 5)
    arrive(acd, "i1", "q", 6, sticky_agent="a1", sticky_s=30)
    o2 = only_offer(acd.handle(ev.InteractionEnded("f"), 20))
    assert (o2.agent, o2.interaction, o2.why.rule) == ("a1", "i1", "sticky")


def test_sticky_to_the_customers_last_agent() -> None:
    acd = make([QueueConfig("q")], [agent("a1", "q"), agent("a2", "q")])
    acd.handle(ev.AgentNotReady("a1"), 3)
    o = only_offer(arrive(acd, "first", "q", 5, customer="+3312345"))
    assert o.agent == "a2"
    acd.handle(ev.OfferAccepted(o.id), 5)
    acd.handle(ev.InteractionEnded("first"), 50)
    acd.handle(ev.AgentReady("a1"), 51)  # a1 now idle... but a2 served this customer
    acd.handle(ev.DirectCallStarted("a2", "d"), 52)
    out = arrive(acd, "again", "q", 60, customer="+3312345", sticky_last=True, sticky_s=20)
    assert offers(out) == []
    o2 = only_offer(acd.handle(ev.AgentCallEnded("a2", "d"), 70))
    assert (o2.agent, o2.interaction) == ("a2", "again")


def test_two_agents_freed_together_the_strategy_chooses() -> None:
    acd = make(
        [QueueConfig("q", strategy="fewest_calls")],
        [agent("a1", "q"), agent("a2", "q"), agent("a3", "q")],
    )
    acd.agents["a1"].handled = 9
    for a in ("a1", "a2"):
        acd.handle(ev.AgentNotReady(a), 5)
    acd.handle(ev.DirectCallStarted("a3", "d"), 5)
    arrive(acd, "i1", "q", 6)
    out = acd.handle_many([ev.AgentReady("a1"), ev.AgentReady("a2")], 10)
    o = only_offer(out)  # exactly one offer for one interaction
    assert o.agent == "a2" and "a1" in o.why.considered and "a2" in o.why.considered


def test_why_names_queue_rule_candidates_and_choice() -> None:
    acd = make([QueueConfig("q")], [agent("a1", "q"), agent("a2", "q")])
    o = only_offer(arrive(acd, "i1", "q", 10))
    assert (o.why.queue, o.why.rule, o.why.considered, o.why.chosen) == (
        "q", "longest_idle", ("a1", "a2"), "a1",
    )  # fmt: skip
    assert "idle since" in o.why.reason and "chosen=a1" in str(o.why)

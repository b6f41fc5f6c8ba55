"""Leases, RONA, reject and busy handling, and the races the issue names."""

from __future__ import annotations

from calldesk.acd import AgentPolicy, AgentState, QueueConfig
from calldesk.acd import events as ev

from .helpers import agent, arrive, journal_kinds, kinds, make, offers, only_offer

Q = QueueConfig("q")
POLICY = AgentPolicy(
    lease_s=15, rona_after=2, no_answer_delay_s=10, reject_delay_s=5, busy_delay_s=60
)


def test_offer_carries_what_a_dispatcher_needs() -> None:
    acd = make([Q], [agent("a1", "q")], policy=POLICY)
    o = only_offer(arrive(acd, "i1", "q", 10, customer="+15551234"))
    assert o.id and o.contact == "user/a1" and o.interaction == "i1" and o.lease_until == 25
    assert (o.caller_id_name, o.caller_id_number) == ("q: +15551234", "+15551234")


def test_lease_expiry_cancels_and_requeues_at_the_head() -> None:
    acd = make([Q], [agent("a1", "q"), agent("a2", "q")], policy=POLICY)
    acd.handle(ev.AgentNotReady("a2"), 5)
    o = only_offer(arrive(acd, "first", "q", 10))
    arrive(acd, "second", "q", 11)
    assert acd.next_deadline() == 25
    out = acd.handle(ev.Tick(), 25)
    assert kinds(out) == ["Cancel"] and out[0].reason == "lease expired"
    assert acd.agents["a1"].cooldown_until == 35 and acd.agents["a1"].missed == 1
    o2 = only_offer(acd.handle(ev.AgentReady("a2"), 26))
    assert o2.interaction == "first" and o2.agent == "a2"  # head of the queue, not the tail
    assert "interaction.requeued" in journal_kinds(acd, "first")
    late = acd.handle(ev.OfferAccepted(o.id), 27)
    assert kinds(late) == ["Ignored"]


def test_accept_exactly_at_lease_end_is_too_late() -> None:
    acd = make([Q], [agent("a1", "q")], policy=POLICY)
    o = only_offer(arrive(acd, "i1", "q", 10))
    out = acd.handle(ev.OfferAccepted(o.id), 25)
    assert kinds(out) == ["Cancel", "Ignored"]
    assert acd.interactions["i1"].state.value == "waiting"


def test_rona_after_two_missed_offers_goes_not_ready_missed() -> None:
    acd = make([Q], [agent("a1", "q")], policy=POLICY)
    a = acd.agents["a1"]
    o = only_offer(arrive(acd, "i1", "q", 10))
    acd.handle(ev.OfferRefused(o.id, "no_answer"), 20)
    assert a.state is AgentState.AVAILABLE and a.missed == 1 and a.cooldown_until == 30
    o2 = only_offer(acd.handle(ev.Tick(), 30))  # re-offered after the no-answer delay
    out = acd.handle(ev.OfferRefused(o2.id, "no_answer"), 40)
    assert offers(out) == []
    assert (a.state, a.reason) == (AgentState.NOT_READY, "missed")
    assert "agent.rona" in journal_kinds(acd, "a1")


def test_answer_resets_the_missed_count() -> None:
    acd = make([Q], [agent("a1", "q")], policy=POLICY)
    o = only_offer(arrive(acd, "i1", "q", 10))
    acd.handle(ev.OfferRefused(o.id, "no_answer"), 20)
    o2 = only_offer(acd.handle(ev.Tick(), 30))
    acd.handle(ev.OfferAccepted(o2.id), 31)
    assert acd.agents["a1"].missed == 0


def test_reject_and_busy_use_their_own_delays_and_do_not_count_as_missed() -> None:
    acd = make([Q], [agent("a1", "q")], policy=POLICY)
    a = acd.agents["a1"]
    o = only_offer(arrive(acd, "i1", "q", 10))
    acd.handle(ev.OfferRefused(o.id, "reject"), 11)
    assert a.cooldown_until == 16 and a.missed == 0
    o2 = only_offer(acd.handle(ev.Tick(), 16))
    acd.handle(ev.OfferRefused(o2.id, "busy"), 17)
    assert a.cooldown_until == 77 and a.missed == 0 and a.state is AgentState.AVAILABLE
    assert offers(acd.handle(ev.Tick(), 76)) == []
    assert only_offer(acd.handle(ev.Tick(), 77)).interaction == "i1"


def test_reject_can_count_as_missed_by_policy() -> None:
    policy = AgentPolicy(rona_after=1, reject_counts_as_missed=True)
    acd = make([Q], [agent("a1", "q")], policy=policy)
    o = only_offer(arrive(acd, "i1", "q", 10))
    acd.handle(ev.OfferRefused(o.id, "reject"), 11)
    assert acd.agents["a1"].reason == "missed"


def test_refused_interaction_goes_to_another_free_agent_at_once() -> None:
    acd = make([Q], [agent("a1", "q"), agent("a2", "q")], policy=POLICY)
    o = only_offer(arrive(acd, "i1", "q", 10))
    out = acd.handle(ev.OfferRefused(o.id, "reject"), 12)
    assert only_offer(out).agent == "a2"


# races
def test_race_caller_hangs_up_before_the_answer_is_seen() -> None:
    acd = make([Q], [agent("a1", "q")], policy=POLICY)
    o = only_offer(arrive(acd, "i1", "q", 10))
    out = acd.handle_many([ev.InteractionEnded("i1"), ev.OfferAccepted(o.id)], 14)
    assert kinds(out) == ["Cancel", "Ignored"]
    ab = [r for r in acd.journal if r.kind == "interaction.abandoned"]
    assert ab[0].data["during_offer"] is True and ab[0].data["wait"] == 4
    a = acd.agents["a1"]
    assert a.state is AgentState.AVAILABLE and a.missed == 0 and a.cooldown_until == 0
    assert "interaction.answered" not in journal_kinds(acd)


def test_race_answer_seen_before_the_hangup() -> None:
    acd = make([QueueConfig("q", wrap_up_s=10)], [agent("a1", "q")], policy=POLICY)
    o = only_offer(arrive(acd, "i1", "q", 10))
    out = acd.handle_many([ev.OfferAccepted(o.id), ev.InteractionEnded("i1")], 14)
    assert out == []
    assert journal_kinds(acd, "i1")[-2:] == ["interaction.answered", "interaction.ended"]
    assert acd.agents["a1"].state is AgentState.WRAP_UP and acd.agents["a1"].handled == 1


def test_race_two_agents_free_at_once_for_one_interaction() -> None:
    acd = make([Q], [agent("a1", "q"), agent("a2", "q"), agent("a3", "q")], policy=POLICY)
    for a in ("a1", "a2"):
        acd.handle(ev.AgentNotReady(a), 5)
    acd.handle(ev.DirectCallStarted("a3", "d"), 5)
    arrive(acd, "i1", "q", 6)
    out = acd.handle_many([ev.AgentReady("a2"), ev.AgentReady("a1")], 10)
    o = only_offer(out)
    assert o.why.considered == ("a1", "a2")
    other = "a1" if o.agent == "a2" else "a2"
    assert acd.agents[other].state is AgentState.AVAILABLE


def test_race_agent_logs_out_during_an_offer() -> None:
    acd = make([Q], [agent("a1", "q"), agent("a2", "q")], policy=POLICY)
    acd.handle(ev.AgentNotReady("a2"), 5)
    o = only_offer(arrive(acd, "i1", "q", 10))
    out = acd.handle(ev.AgentLogout("a1"), 12)
    assert kinds(out) == ["Cancel"] and out[0].reason == "agent logged out"
    assert acd.agents["a1"].state is AgentState.LOGGED_OUT
    assert kinds(acd.handle(ev.OfferAccepted(o.id), 13)) == ["Ignored"]
    o2 = only_offer(acd.handle(ev.AgentReady("a2"), 14))
    assert o2.interaction == "i1"


def test_hangup_while_waiting_is_abandoned_and_after_bridge_is_answered() -> None:
    acd = make([Q], [agent("a1", "q")], policy=POLICY)
    o = only_offer(arrive(acd, "i1", "q", 10))
    acd.handle(ev.OfferAccepted(o.id), 11)
    arrive(acd, "i2", "q", 12)
    acd.handle(ev.InteractionEnded("i2"), 20)
    acd.handle(ev.InteractionEnded("i1"), 30)
    ab = [r for r in acd.journal if r.kind == "interaction.abandoned"]
    assert [(r.subject, r.data["during_offer"]) for r in ab] == [("i2", False)]
    assert kinds(acd.handle(ev.InteractionEnded("i1"), 31)) == ["Ignored"]


def test_lost_offer_requeues_at_the_head_without_penalty() -> None:
    acd = make([Q], [agent("a1", "q"), agent("a2", "q")], policy=POLICY)
    acd.handle(ev.AgentNotReady("a2"), 5)
    o = only_offer(arrive(acd, "first", "q", 10))
    arrive(acd, "second", "q", 11)
    out = acd.handle(ev.OfferLost(o.id, "switch lost"), 12)
    assert kinds(out)[0] == "Cancel" and out[0].reason == "switch lost"
    # no cool-down and no miss: a1 is offered the same interaction again at once
    again = only_offer(out)
    assert (again.agent, again.interaction) == ("a1", "first")
    assert acd.agents["a1"].missed == 0
    assert kinds(acd.handle(ev.OfferLost(o.id), 13)) == ["Ignored"]


def test_a_failed_connect_cools_the_agent_down_unless_the_switch_never_replied() -> None:
    """A bridge the switch refused (the phone's media, a leg gone) keeps the agent out for the
    no-answer delay; one the switch never answered (the box was slow) says nothing of the
    phone: the agent takes the caller back at once."""
    for cause, cooled in (("bridge refused", True), (ev.BRIDGE_NO_REPLY, False)):
        acd = make([Q], [agent("a1", "q")], policy=POLICY)
        o = only_offer(arrive(acd, "i1", "q", 10))
        acd.handle(ev.OfferAccepted(o.id), 11)
        out = acd.handle(ev.ConnectFailed("i1", cause), 12)
        assert "interaction.connect_failed" in journal_kinds(acd, "i1")
        assert acd.agents["a1"].cooldown_until == (22 if cooled else 0.0)
        again = offers(out)
        assert (again == []) is cooled  # re-offered to the same agent only without a cool-down
        if not cooled:
            assert again[0].interaction == "i1" and again[0].agent == "a1"

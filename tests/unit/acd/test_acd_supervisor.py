"""Supervisor events in the pure core: move, priority, pull and release (takeover)."""

from __future__ import annotations

from calldesk.acd import AgentState, OverflowRule, QueueConfig
from calldesk.acd import events as ev
from calldesk.acd.replay import encode, replay
from calldesk.acd.stats import fold

from .helpers import agent, arrive, journal_kinds, kinds, make, offers, only_offer

SALES, SUPPORT = QueueConfig("sales"), QueueConfig("support", priority=2)


def idle(acd, *agents: str, at: float = 5.0) -> None:
    for a in agents:
        acd.handle(ev.AgentNotReady(a), at)


def order(acd, queue: str, now: float) -> list[str]:
    return [i.id for i in acd.router.waiting[queue].ordered(now, acd.router.eff)]


def test_move_takes_its_place_by_age_in_the_new_queue() -> None:
    acd = make([SALES, SUPPORT], [agent("s1", "sales"), agent("t1", "support")])
    idle(acd, "s1", "t1")
    arrive(acd, "old", "sales", 10)
    arrive(acd, "mid", "support", 20)
    arrive(acd, "new", "support", 30)
    assert kinds(acd.handle(ev.InteractionMoved("old", "support"), 40)) == []
    assert order(acd, "support", 40) == ["old", "mid", "new"] and order(acd, "sales", 40) == []
    it = acd.interactions["old"]
    assert (it.queue, it.arrived_at, it.priority) == ("support", 10, 2)  # the new queue's priority
    o = only_offer(acd.handle(ev.AgentReady("t1"), 41))
    assert (o.interaction, o.queue) == ("old", "support")
    rec = [r for r in acd.journal if r.kind == "interaction.moved"][0]
    assert rec.data["source"] == "sales" and rec.data["queue"] == "support"


def test_move_keeps_an_own_priority_and_refuses_what_does_not_apply() -> None:
    acd = make([SALES, SUPPORT], [agent("s1", "sales")])
    idle(acd, "s1")
    arrive(acd, "vip", "sales", 10, priority=9)
    acd.handle(ev.InteractionMoved("vip", "support"), 11)
    assert acd.interactions["vip"].priority == 9
    for e in (ev.InteractionMoved("vip", "support"), ev.InteractionMoved("vip", "nowhere"),
              ev.InteractionMoved("ghost", "sales")):  # fmt: skip
        out = acd.handle(e, 12)
        assert kinds(out) == ["Ignored"], out
    assert (
        "already in queue support"
        in acd.handle(ev.InteractionMoved("vip", "support"), 12)[0].reason
    )
    acd.handle(ev.AgentReady("s1"), 13)
    acd.handle(ev.InteractionMoved("vip", "sales"), 13)  # s1 serves sales: offered at once
    arrive(acd, "x", "sales", 14)
    out = acd.handle(ev.InteractionMoved("x", "support"), 15)
    assert kinds(out) == [] and acd.interactions["x"].queue == "support"
    assert "not waiting" in acd.handle(ev.InteractionMoved("vip", "support"), 16)[0].reason


def test_a_moved_interaction_follows_the_new_queues_timed_rules_only() -> None:
    fast_vm = QueueConfig("a", overflow=(OverflowRule(30, "voicemail", target="vm-a"),))
    slow = QueueConfig("b", max_wait_s=100, max_wait_target="vm-b")
    acd = make([fast_vm, slow], [agent("x", "a", "b")])
    idle(acd, "x")
    arrive(acd, "i1", "a", 6)
    acd.handle(ev.InteractionMoved("i1", "b"), 10)
    assert kinds(acd.handle(ev.Tick(), 37)) == []  # a's voicemail step (at 36) no longer applies
    assert acd.next_deadline() == 106  # b's max wait counts from arrival
    out = acd.handle(ev.Tick(), 106)
    assert kinds(out) == ["Overflow"] and out[0].target == "vm-b"


def test_priority_change_resorts_the_line() -> None:
    acd = make([SALES], [agent("s1", "sales")])
    idle(acd, "s1")
    for n, iid in enumerate(("a", "b", "c")):
        arrive(acd, iid, "sales", 10 + n)
    acd.handle(ev.PriorityChanged("c", 5), 20)
    assert order(acd, "sales", 20) == ["c", "a", "b"]
    acd.handle(ev.PriorityChanged("c", 0), 21)
    assert order(acd, "sales", 21) == ["a", "b", "c"]  # back by age, not at the tail
    assert journal_kinds(acd, "c").count("interaction.priority") == 2
    assert kinds(acd.handle(ev.PriorityChanged("zzz", 1), 22)) == ["Ignored"]


def test_pull_offers_to_the_named_agent_across_queues_and_skills() -> None:
    q = QueueConfig("sales", skills=(("french", 3),))
    acd = make([q, SUPPORT], [agent("s1", "sales", skills={"french": 5}), agent("t1", "support")])
    idle(acd, "s1")
    arrive(acd, "i1", "sales", 10)
    o = only_offer(acd.handle(ev.InteractionPulled("i1", "t1"), 11))
    assert (o.agent, o.interaction) == ("t1", "i1") and o.why.rule == "pulled"
    assert "pulled to t1" in str(o.why)
    acd.handle(ev.OfferAccepted(o.id), 12)
    assert acd.agents["t1"].state is AgentState.BUSY
    assert acd.interactions["i1"].pulled_to is None


def test_pull_to_a_busy_agent_waits_for_them_and_comes_before_their_queues() -> None:
    acd = make(
        [SALES, SUPPORT], [agent("s1", "sales"), agent("t1", "support"), agent("t2", "support")]
    )
    o = only_offer(arrive(acd, "call", "support", 10))
    assert o.agent == "t1"  # idle longest of support
    acd.handle(ev.OfferAccepted(o.id), 11)
    idle(acd, "s1", "t2", at=12)
    arrive(acd, "older", "support", 13)
    arrive(acd, "pulled", "sales", 14)
    assert offers(acd.handle(ev.InteractionPulled("pulled", "t1"), 15)) == []  # no room yet
    assert offers(acd.handle(ev.AgentReady("s1"), 16)) == []  # pinned: s1 may not take it
    o2 = only_offer(acd.handle(ev.InteractionEnded("call"), 17))
    assert (o2.agent, o2.interaction) == ("t1", "pulled")  # before 'older' in t1's own queue


def test_logout_drops_pins_and_a_pull_needs_a_logged_in_agent() -> None:
    acd = make([SALES], [agent("s1", "sales"), agent("s2", "sales")])
    idle(acd, "s1", "s2")
    arrive(acd, "i1", "sales", 10)
    arrive(acd, "i2", "sales", 11)
    assert kinds(acd.handle(ev.InteractionPulled("i2", "s1"), 12)) == []
    o = only_offer(acd.handle(ev.AgentReady("s2"), 13))
    assert o.interaction == "i1"  # i2 is pinned to s1, who is not ready
    assert acd.interactions["i2"].pulled_to == "s1"
    assert kinds(acd.handle(ev.AgentLogout("s1"), 14)) == []
    assert acd.interactions["i2"].pulled_to is None
    assert "interaction.unpinned" in journal_kinds(acd, "i2")
    assert "unknown agent" in acd.handle(ev.InteractionPulled("i2", "ghost"), 15)[0].reason
    assert "logged out" in acd.handle(ev.InteractionPulled("i2", "s1"), 15)[0].reason


def test_a_refused_pull_is_unpinned_and_back_for_anyone() -> None:
    acd = make([SALES], [agent("s1", "sales"), agent("s2", "sales")])
    idle(acd, "s1", "s2")
    arrive(acd, "i1", "sales", 10)
    assert offers(acd.handle(ev.InteractionPulled("i1", "s2"), 11)) == []
    o = only_offer(acd.handle(ev.AgentReady("s2"), 11))
    assert o.agent == "s2" and o.why.rule == "pulled"
    acd.handle(ev.OfferRefused(o.id, "reject"), 12)
    it = acd.interactions["i1"]
    assert it.pulled_to is None and it.state.value == "waiting"
    o2 = only_offer(acd.handle(ev.AgentReady("s1"), 13))
    assert o2.agent == "s1" and o2.why.rule != "pulled"
    out = acd.handle(ev.InteractionPulled("i1", "s1"), 14)
    assert kinds(out) == ["Ignored"] and "not waiting" in out[0].reason


def test_release_sends_the_agent_to_wrap_up_and_keeps_the_interaction() -> None:
    q = QueueConfig("sales", wrap_up_s=30)
    acd = make([q], [agent("s1", "sales")])
    o = only_offer(arrive(acd, "i1", "sales", 10))
    acd.handle(ev.OfferAccepted(o.id), 12)
    assert kinds(acd.handle(ev.AgentReleased("s1", "nope"), 20)) == ["Ignored"]
    assert kinds(acd.handle(ev.AgentReleased("s1", "i1"), 20)) == []
    a, it = acd.agents["s1"], acd.interactions["i1"]
    assert a.state is AgentState.WRAP_UP and a.handled == 1 and a.talk_s == 8
    assert it.state.value == "connected" and it.agent is None
    assert kinds(acd.handle(ev.AgentReleased("s1", "i1"), 21)) == ["Ignored"]
    acd.handle(ev.InteractionEnded("i1"), 40)  # the customer leaves the supervisor
    assert "i1" not in acd.interactions and a.handled == 1
    assert acd.handle(ev.Tick(), 50) == [] and a.state is AgentState.AVAILABLE
    stats = fold((r.at, r.kind, r.subject, r.data) for r in acd.journal)
    assert stats.agent_view("s1", 50).handled == 1 and stats.agent_view("s1", 50).talk_s == 8
    assert None not in stats.agents


def test_supervisor_events_replay_to_the_same_state() -> None:
    queues = [SALES, SUPPORT]
    agents = [agent("s1", "sales"), agent("t1", "support")]
    acd = make(queues, agents, ready=False)
    inputs = [(ev.AgentLogin("s1"), 1.0), (ev.AgentLogin("t1"), 1.0),
              (ev.InteractionArrived("i1", "sales"), 2.0), (ev.InteractionArrived("i2", "sales"), 3.0),
              (ev.PriorityChanged("i2", 4), 4.0), (ev.InteractionMoved("i1", "support"), 5.0),
              (ev.InteractionPulled("i2", "t1"), 6.0), (ev.AgentReady("t1"), 7.0)]  # fmt: skip
    records = []
    for n, (e, at) in enumerate(inputs):
        acd.handle(e, at)
        records.append(encode(e, at, n))
    fresh = make(queues, agents, ready=False)
    replay(fresh, records)
    assert sorted(fresh.offers) == sorted(acd.offers)
    assert [(r.agent, r.interaction) for r in fresh.offers.values()] == [("t1", "i2")]
    assert fresh.interactions["i1"].queue == "support"

"""Snapshots: a core restored from a snapshot decides exactly as the core that never stopped.

The property test runs random event sequences (the invariant test's events plus sticky routing,
supervisor actions, pause, breakout and callbacks) through core (a); at a random point it takes
a snapshot (through JSON), restores it into a fresh core (b) built with a *different* seed, and
then feeds both the rest: every decision, every snapshot and every next deadline must match.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk.acd import Acd, AgentPolicy, OverflowRule, QueueConfig
from calldesk.acd import events as ev
from calldesk.acd.interaction import InteractionState
from calldesk.acd.snapshot import SnapshotError

from .helpers import agent, arrive, kinds, make, offers, only_offer
from .test_acd_invariants import event as base_event

POLICY = AgentPolicy(lease_s=10, rona_after=2, callback_attempts=3, callback_retry_s=7)
QUEUES = [
    QueueConfig("a", skills=(("x", 2),), overflow=(OverflowRule(20, "widen_skills"),),
                wrap_up_s=3, strategy="round_robin"),
    QueueConfig("b", priority=1, overflow=(OverflowRule(15, "add_queue", target="a"),),
                strategy="ring_all", aging_every_s=5, aging_max=2),
    QueueConfig("c", skills=(("x", 2),), strategy="random", announce_every_s=4, max_wait_s=40,
                overflow=(OverflowRule(6, "callback"), OverflowRule(12, "lower_level")),
                breakout={"1": "callback", "2": "voicemail"}, aging_every_s=3, aging_max=3),
]  # fmt: skip
AGENTS = [
    agent("a1", "a", "c", skills={"x": 3}),
    agent("a2", "a", "b", skills={"x": 1}),
    agent("a3", "b", "c", capacity={"chat": 2, "voice": 1}),
    agent("a4", "c", skills={"x": 2}, wrap_up_s=1),
]
IDS = [f"i{n}" for n in range(6)]
AG = [a.id for a in AGENTS]
QS = ["a", "b", "c"]

ids, ags, qs = st.sampled_from(IDS), st.sampled_from(AG), st.sampled_from(QS)
event = st.one_of(
    base_event,
    st.builds(ev.InteractionArrived, ids, qs, st.sampled_from(["voice", "chat"]),
              customer=st.sampled_from(["", "+1", "+2"]),
              priority=st.none() | st.integers(0, 2),
              sticky_agent=st.none() | ags, sticky_last=st.booleans(),
              sticky_s=st.sampled_from([0.0, 5.0, 12.0])),
    st.builds(ev.QueuePaused, qs),
    st.builds(ev.QueueResumed, qs),
    st.builds(ev.InteractionMoved, ids, qs),
    st.builds(ev.PriorityChanged, ids, st.integers(0, 3)),
    st.builds(ev.InteractionPulled, ids, ags),
    st.builds(ev.AgentReleased, ags, ids),
    st.builds(ev.Breakout, ids, st.sampled_from(["1", "2"])),
    st.builds(ev.CallbackFailed, ids, st.sampled_from(["no_answer", "refused_toll"])),
    st.builds(ev.WrapUpDone, ags, st.none() | ids),
    st.tuples(st.sampled_from(["lost", "timeout"]), st.integers(0, 5)),
    st.tuples(st.just("accept"), st.integers(0, 5)),  # more answers: connected, wrap-up, dial
    st.builds(ev.CallbackConnected, ids),
)  # fmt: skip


def _resolve(acd: Acd, e: object) -> ev.Event | None:
    """Turn ("accept"|cause, n) into an event about one of the live offers."""
    if not isinstance(e, tuple):
        return e  # type: ignore[return-value]
    cause, n = e
    live = sorted(acd.offers)
    if not live:
        return None
    oid = live[n % len(live)]
    if cause == "accept":
        return ev.OfferAccepted(oid)
    return ev.OfferLost(oid) if cause == "lost" else ev.OfferRefused(oid, cause)


def _through_json(acd: Acd) -> dict:
    return json.loads(json.dumps(acd.snapshot()))


def _fresh(seed: int = 99) -> Acd:
    return Acd(QUEUES, AGENTS, policy=POLICY, seed=seed)


def _started() -> Acd:
    """Two agents ready, two logged in but not ready: callers both wait and get answered."""
    acd = Acd(QUEUES, AGENTS, policy=POLICY, seed=3)
    for n, aid in enumerate(AG):
        acd.handle(ev.AgentLogin(aid, ready=n < 2), float(n))
    return acd


steps_st = st.lists(
    st.tuples(st.lists(event, min_size=1, max_size=3), st.floats(0, 8)), max_size=45
)


@settings(max_examples=300, deadline=None)
@given(steps_st, st.integers(0, 45))
def test_restored_core_decides_exactly_as_the_original(steps, cut) -> None:  # type: ignore[no-untyped-def]
    a, b = _started(), None
    now, cut = 4.0, cut % (len(steps) + 1)
    for i, (raw, dt) in enumerate(steps):
        if i == cut:
            b = _fresh()
            b.restore(_through_json(a))
            assert b.snapshot() == a.snapshot()
        now += dt
        batch = [e for e in (_resolve(a, r) for r in raw) if e is not None]
        da = a.handle_many(batch, now)
        if b is not None:
            assert b.handle_many(batch, now) == da
            assert b.snapshot() == a.snapshot()
            assert b.next_deadline() == a.next_deadline()
    if b is None:  # cut after the end: restore at the end
        b = _fresh()
        b.restore(_through_json(a))
    # run every timer out: leases, wrap-ups, retries, overflow steps, announcements
    for later in (now + 30, now + 60, now + 200):
        assert b.handle(ev.Tick(), later) == a.handle(ev.Tick(), later)
        assert b.snapshot() == a.snapshot()


# plain tests, one per tricky piece


def _restored(acd: Acd, queues: list[QueueConfig], agents: list, seed: int = 99) -> Acd:
    b = Acd(queues, agents, policy=acd.policy, seed=seed)
    b.restore(json.loads(json.dumps(acd.snapshot())))
    return b


def test_a_pending_lease_expires_at_the_same_time_after_restore() -> None:
    qs, ags = [QueueConfig("q")], [agent("a1", "q"), agent("a2", "q")]
    acd = make(qs, ags, policy=AgentPolicy(lease_s=10, no_answer_delay_s=5))
    o = only_offer(arrive(acd, "i1", "q", 5))
    b = _restored(acd, qs, ags)
    assert b.offers[o.id].lease_until == 15 and b.next_deadline() == 15
    assert kinds(b.handle(ev.Tick(), 14.9)) == []
    da, db = acd.handle(ev.Tick(), 15), b.handle(ev.Tick(), 15)
    assert da == db and kinds(db) == ["Cancel", "Offer"]
    assert only_offer(db).agent == "a2"  # a1 cools down; the interaction is back at the head
    assert b.handle(ev.OfferAccepted(o.id), 16)[0].reason.startswith("offer no longer active")


def test_a_queued_callback_in_retry_is_retried_after_restore() -> None:
    qs, ags = [QueueConfig("q")], [agent("a1", "q")]
    policy = AgentPolicy(callback_retry_s=30, callback_attempts=3)
    acd = make(qs, ags, ready=False, policy=policy)
    acd.handle(ev.AgentLogin("a1", ready=False), 0)
    arrive(acd, "cb", "q", 1, customer="+1777")
    acd.handle(ev.CallbackRequested("cb", "+1777"), 2)
    o = only_offer(acd.handle(ev.AgentReady("a1"), 3))
    assert o.callback_number == "+1777"
    dial = acd.handle(ev.OfferAccepted(o.id), 4)
    assert kinds(dial) == ["DialCallback"]
    acd.handle(ev.CallbackFailed("cb", "no_answer"), 6)
    assert acd.interactions["cb"].state is InteractionState.RETRY
    b = _restored(acd, qs, ags)
    assert b.interactions["cb"].state is InteractionState.RETRY
    assert b.interactions["cb"].callback_attempts == 1
    assert b.handle(ev.Tick(), 35) == acd.handle(ev.Tick(), 35) == []
    again = b.handle(ev.Tick(), 36)
    assert again == acd.handle(ev.Tick(), 36)
    o2 = only_offer(again)
    assert o2.interaction == "cb" and o2.callback_number == "+1777"
    d2 = b.handle(ev.OfferAccepted(o2.id), 37)
    assert d2 == acd.handle(ev.OfferAccepted(o2.id), 37)
    assert d2[0].attempt == 2


def test_sticky_routing_deadline_survives_restore() -> None:
    qs, ags = [QueueConfig("q")], [agent("a1", "q"), agent("a2", "q")]
    acd = make(qs, ags)
    acd.handle(ev.AgentNotReady("a1"), 2)
    assert offers(arrive(acd, "i1", "q", 3, sticky_agent="a1", sticky_s=20)) == []
    b = _restored(acd, qs, ags)
    assert b.interactions["i1"].sticky_until == 23 and b.next_deadline() == 23
    assert b.handle(ev.Tick(), 22.5) == acd.handle(ev.Tick(), 22.5) == []  # a2 free, not asked
    d = b.handle(ev.Tick(), 23)
    assert d == acd.handle(ev.Tick(), 23)
    assert only_offer(d).agent == "a2"  # then anyone may take it


@pytest.mark.parametrize("strategy", ["random", "round_robin"])
def test_strategy_state_survives_restore(strategy: str) -> None:
    qs = [QueueConfig("q", strategy=strategy)]
    ags = [agent(f"a{n}", "q") for n in range(5)]
    acd = make(qs, ags, seed=11)
    for n in range(3):  # move the generator / the round-robin position along
        o = only_offer(arrive(acd, f"w{n}", "q", 10 + n))
        acd.handle(ev.OfferAccepted(o.id), 10 + n)
        acd.handle(ev.InteractionEnded(f"w{n}"), 10.5 + n)
    b = _restored(acd, qs, ags, seed=12345)  # another seed: the state must come from the snapshot
    picks_a, picks_b = [], []
    for n in range(8):
        for core, picks in ((acd, picks_a), (b, picks_b)):
            o = only_offer(arrive(core, f"x{n}", "q", 20 + n))
            picks.append(o.agent)
            core.handle(ev.OfferAccepted(o.id), 20 + n)
            core.handle(ev.InteractionEnded(f"x{n}"), 20.5 + n)
    assert picks_a == picks_b
    assert len(set(picks_a)) > 1


def test_restore_refuses_queues_and_agents_the_configuration_lacks() -> None:
    qs, ags = [QueueConfig("q"), QueueConfig("gone")], [agent("a1", "q"), agent("old", "gone")]
    acd = make(qs, ags)
    arrive(acd, "i1", "gone", 1)
    snap = acd.snapshot()
    smaller = Acd([QueueConfig("q")], [agent("a1", "q")])
    with pytest.raises(SnapshotError, match=r"queues \['gone'\], agents \['old'\]"):
        smaller.restore(snap)
    used = make(qs, ags)
    with pytest.raises(SnapshotError, match="fresh core"):
        used.restore(snap)
    with pytest.raises(SnapshotError, match="version"):
        Acd(qs, ags).restore({**snap, "version": 0})


def test_a_supervisor_pin_survives_restore() -> None:
    qs, ags = [QueueConfig("q")], [agent("a1", "q"), agent("a2", "q")]
    acd = make(qs, ags, ready=False)
    acd.handle(ev.AgentLogin("a1", ready=False), 0)
    arrive(acd, "old", "q", 1)
    arrive(acd, "young", "q", 2)
    acd.handle(ev.InteractionPulled("young", "a1"), 3)  # a1 not ready: pinned, not offered yet
    b = _restored(acd, qs, ags)
    assert b.snapshot()["router"]["pulled"] == {"a1": ["young"]}
    d = b.handle(ev.AgentReady("a1"), 4)
    assert d == acd.handle(ev.AgentReady("a1"), 4)
    assert only_offer(d).interaction == "young"  # the pin goes first, before the older caller


def test_restore_onto_fewer_overflow_steps_does_not_crash() -> None:
    """An operator shortens a queue's overflow rules between a snapshot and a restart: the
    interaction part-way through them just has no further step."""
    from calldesk.acd import Acd, AgentConfig, OverflowRule, QueueConfig
    from calldesk.acd import events as ev

    long_rules = QueueConfig(
        "q", overflow=(OverflowRule(10, "lower_level", ""), OverflowRule(20, "lower_level", ""))
    )
    agents = [AgentConfig("a1", "user/1001", queues=("q",))]
    before = Acd([long_rules], agents, seed=1)
    before.handle(ev.InteractionArrived("i1", "q"), 0)
    before.handle(ev.Tick(), 11)  # first step applied, the second is pending
    snap = before.snapshot()
    after = Acd([QueueConfig("q", overflow=(OverflowRule(10, "lower_level", ""),))], agents, seed=1)
    after.restore(snap)
    after.handle(ev.Tick(), 30)  # the second step's timer fires on a queue that has one step
    assert after.interactions["i1"].state.value == "waiting"

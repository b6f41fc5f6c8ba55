"""Random event sequences never leave the core stuck or inconsistent (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk.acd import AgentPolicy, OverflowRule, QueueConfig
from calldesk.acd import events as ev
from calldesk.acd.interaction import InteractionState

from .helpers import agent, make

QUEUES = [
    QueueConfig("a", skills=(("x", 2),), overflow=(OverflowRule(20, "widen_skills"),),
                wrap_up_s=3, strategy="round_robin"),
    QueueConfig("b", priority=1, overflow=(OverflowRule(15, "add_queue", target="a"),),
                strategy="ring_all", aging_every_s=5, aging_max=2),
]  # fmt: skip
AGENTS = [
    agent("a1", "a", skills={"x": 3}),
    agent("a2", "a", "b", skills={"x": 1}),
    agent("a3", "b", capacity={"chat": 2, "voice": 1}),
]
IDS = [f"i{n}" for n in range(6)]
AG = [a.id for a in AGENTS]

event = st.one_of(
    st.builds(ev.InteractionArrived, st.sampled_from(IDS), st.sampled_from(["a", "b"]),
              st.sampled_from(["voice", "chat"])),
    st.builds(ev.InteractionEnded, st.sampled_from(IDS)),
    st.builds(ev.CallbackRequested, st.sampled_from(IDS), st.just("+1")),
    st.builds(ev.CallbackFailed, st.sampled_from(IDS)),
    st.builds(ev.CallbackConnected, st.sampled_from(IDS)),
    st.builds(ev.AgentLogin, st.sampled_from(AG), st.booleans()),
    st.builds(ev.AgentLogout, st.sampled_from(AG)),
    st.builds(ev.AgentReady, st.sampled_from(AG)),
    st.builds(ev.AgentNotReady, st.sampled_from(AG)),
    st.builds(ev.DirectCallStarted, st.sampled_from(AG), st.just("d")),
    st.builds(ev.AgentCallEnded, st.sampled_from(AG), st.just("d")),
    st.builds(ev.WrapUpDone, st.sampled_from(AG)),
    st.builds(ev.Tick),
    st.tuples(st.sampled_from(["accept", "reject", "no_answer", "busy"]), st.integers(0, 5)),
)  # fmt: skip


def _check(acd) -> None:  # type: ignore[no-untyped-def]
    for oid, rec in acd.offers.items():
        assert oid in acd.agents[rec.agent].offers
        assert oid in acd.interactions[rec.interaction].offers
    for a in acd.agents.values():
        assert set(a.offers) <= set(acd.offers)
        assert a.state is a.derive_state()
        for iid in a.active:
            assert acd.interactions[iid].agent == a.id
    for it in acd.interactions.values():
        listed = any(it in list(acd.router.waiting[q].ordered(acd.now, acd.router.eff))
                     for q in it.listed)  # fmt: skip
        assert listed == (it.state is InteractionState.WAITING)
        if it.state is InteractionState.OFFERED:
            assert it.offers
        if it.state is InteractionState.WAITING:  # nobody open who could take it
            assert not acd.router.candidates(it, acd.now), (it, acd.now)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(event, st.floats(0, 8)), max_size=40))
def test_random_sequences_keep_the_core_consistent(steps) -> None:  # type: ignore[no-untyped-def]
    acd = make(QUEUES, AGENTS, ready=False, policy=AgentPolicy(lease_s=10, rona_after=2))
    now = 0.0
    for e, dt in steps:
        now += dt
        if isinstance(e, tuple):
            cause, n = e
            live = sorted(acd.offers)
            if not live:
                continue
            oid = live[n % len(live)]
            e = ev.OfferAccepted(oid) if cause == "accept" else ev.OfferRefused(oid, cause)
        acd.handle(e, now)
        _check(acd)

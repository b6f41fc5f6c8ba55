"""Queue pause, and restart by replay: same inputs at the same times rebuild the same state."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk.acd import AgentPolicy, QueueConfig
from calldesk.acd import events as ev
from calldesk.acd.replay import decode, encode, replay

from .helpers import agent, arrive, kinds, make, offers, only_offer
from .test_acd_invariants import AGENTS, QUEUES, event


def test_paused_queue_keeps_waiting_and_resumes_in_order() -> None:
    acd = make([QueueConfig("q"), QueueConfig("other")], [agent("a1", "q", "other")])
    acd.handle(ev.QueuePaused("q"), 1)
    assert offers(arrive(acd, "i1", "q", 2)) == []
    assert offers(arrive(acd, "i2", "q", 3)) == []
    o = only_offer(arrive(acd, "x", "other", 4))  # other queues still route
    acd.handle(ev.OfferAccepted(o.id), 4)
    acd.handle(ev.InteractionEnded("x"), 5)
    assert only_offer(acd.handle(ev.QueueResumed("q"), 6)).interaction == "i1"
    assert kinds(acd.handle(ev.QueueResumed("q"), 7)) == ["Ignored"]
    assert kinds(acd.handle(ev.QueuePaused("nope"), 7)) == ["Ignored"]


def test_encode_decode_round_trip_through_json() -> None:
    e = ev.InteractionArrived("i1", "q", "chat", "+1", 3, {"fr": 2}, None, True, 30.0, {"k": 1})
    at, back = decode(json.loads(json.dumps(encode(e, 12.5))))
    assert (at, back) == (12.5, e)
    with pytest.raises(ValueError, match="unknown ACD input"):
        decode({"at": 0, "type": "Nope"})


def _snapshot(acd):  # type: ignore[no-untyped-def]
    agents = {
        a.id: (a.state, a.reason, sorted(a.offers), sorted(a.active), sorted(a.wrapups), a.missed,
               a.cooldown_until, a.idle_since, a.handled)
        for a in acd.agents.values()
    }  # fmt: skip
    waiting = {
        q: [it.id for it in w.ordered(acd.now, acd.router.eff)]
        for q, w in acd.router.waiting.items()
    }
    its = {i: (it.state, it.step, it.via, sorted(it.offers)) for i, it in acd.interactions.items()}
    return agents, waiting, its, sorted(acd.offers), acd.next_deadline()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(event, st.floats(0, 8), st.booleans()), max_size=40))
def test_replay_rebuilds_the_same_state_and_decisions(steps) -> None:  # type: ignore[no-untyped-def]
    policy = AgentPolicy(lease_s=10, rona_after=2)
    live = make(QUEUES, AGENTS, ready=False, policy=policy, seed=4)
    log, decisions, now, batch = [], [], 0.0, 0
    pending: list = []
    for e, dt, join_next in steps:
        now += dt
        if isinstance(e, tuple):
            cause, n = e
            ids = sorted(live.offers)
            if not ids:
                continue
            oid = ids[n % len(ids)]
            e = ev.OfferAccepted(oid) if cause == "accept" else ev.OfferRefused(oid, cause)
        pending.append(e)
        if join_next and len(pending) < 3:
            continue  # hand a few events over together as one batch
        batch += 1
        log.extend(json.loads(json.dumps(encode(p, now, batch))) for p in pending)
        decisions.extend(live.handle_many(pending, now))
        pending = []
    restarted = make(QUEUES, AGENTS, ready=False, policy=policy, seed=4)
    assert replay(restarted, log) == decisions
    assert _snapshot(restarted) == _snapshot(live)

"""The leg tracker folds the real traces' events into the right leg states."""

from __future__ import annotations

from tests.traces import load_trace

from calldesk.esl.frames import FrameReader
from calldesk.telephony.legs import ANSWERED, DESTROYED
from calldesk.telephony.tracker import LegTracker


def events_of(name: str):
    frames = FrameReader().feed(load_trace(name).stream)
    return [f.event() for f in frames if f.is_event()]


def replay(name: str, stop_at=None) -> tuple[LegTracker, list]:
    tracker = LegTracker()
    seen = []
    tracker.subscribe(lambda leg, event: seen.append((leg.uuid, event.name)))
    for event in events_of(name):
        if stop_at and stop_at(event):
            break
        tracker.on_event("fs1", event)
    return tracker, seen


def test_plain_call_lifecycle_parked_answered_then_destroyed() -> None:
    tracker, seen = replay("events-plain-call", stop_at=lambda e: e.name == "CHANNEL_HANGUP")
    (leg,) = tracker.legs.values()
    assert leg.status == ANSWERED and leg.parked
    assert leg.caller_number == "+15550101" and leg.destination == "5551000"
    assert leg.variables["calldesk_did"] == "5551000"
    assert "".join(leg.digits).startswith("1234#")
    tracker, _ = replay("events-plain-call")
    assert tracker.legs == {}
    gone = tracker.get(leg.uuid)
    assert gone.status == DESTROYED and gone.hangup_cause == "NORMAL_CLEARING"


def test_bridge_groups_caller_and_agent_into_one_call() -> None:
    tracker, _ = replay("bridge-and-record", stop_at=lambda e: e.name == "CHANNEL_HANGUP")
    calls = [c for c in tracker.calls() if len(c) == 2]
    assert len(calls) == 1
    caller, agent = calls[0]
    assert caller.bridged_to == agent.uuid and agent.bridged_to == caller.uuid
    assert {caller.switch, agent.switch} == {"fs1"}


def test_recording_state_follows_record_events() -> None:
    tracker, _ = replay("bridge-and-record", stop_at=lambda e: e.name == "RECORD_STOP")
    assert any(leg.recording for leg in tracker.legs.values())
    tracker, _ = replay("bridge-and-record", stop_at=lambda e: e.name == "CHANNEL_HANGUP")
    assert not any(leg.recording for leg in tracker.legs.values())


def test_refired_events_with_same_sequence_fold_once() -> None:
    tracker = LegTracker()
    count = []
    tracker.subscribe(lambda leg, event: count.append(event.name))
    for event in events_of("avmd-beep"):
        tracker.on_event("fs1", event)
        tracker.on_event("fs1", event)  # the same event twice must not fold twice
    names = [e.name for e in events_of("avmd-beep") if e.uuid and e.name.startswith("CHANNEL_")]
    assert len([n for n in count if n.startswith("CHANNEL_")]) == len(names)


def test_resync_replaces_switch_legs_and_reports_vanished() -> None:
    tracker, _ = replay("bridge-and-record", stop_at=lambda e: e.name == "CHANNEL_HANGUP")
    uuids = set(tracker.legs)
    keep = sorted(uuids)[0]
    rows = [
        {"uuid": keep, "callstate": "ACTIVE"},
        {"uuid": "new-leg", "callstate": "ACTIVE", "application": "park"},
    ]
    vanished = tracker.on_resync("fs1", rows)
    assert set(vanished) == uuids - {keep}
    assert list(tracker.legs) == [keep, "new-leg"]
    assert tracker.legs[keep].status == ANSWERED
    assert tracker.legs["new-leg"].parked and tracker.legs["new-leg"].status == ANSWERED
    assert tracker.on_resync("fs2", [{"uuid": "other"}]) == []
    assert tracker.switch_of("other") == "fs2" and tracker.switch_of(keep) == "fs1"


def test_late_event_for_destroyed_leg_does_not_resurrect_it() -> None:
    tracker, _ = replay("events-plain-call")
    destroyed = [e for e in events_of("events-plain-call") if e.name == "CHANNEL_DESTROY"][0]
    assert tracker.on_event("fs1", destroyed) is None
    assert tracker.legs == {}


def test_resync_keeps_what_events_said_about_a_known_leg() -> None:
    tracker, _ = replay("bridge-and-record", stop_at=lambda e: e.name == "CHANNEL_HANGUP")
    caller = next(leg for leg in tracker.legs.values() if leg.bridged_to and leg.bridged_at)
    rows = [{"uuid": u, "callstate": "ACTIVE", "application": "park"} for u in tracker.legs]
    assert tracker.on_resync("fs1", rows) == []
    again = tracker.legs[caller.uuid]
    assert again.bridged_to == caller.bridged_to and again.bridged_at == caller.bridged_at
    assert again.answered_at is not None


def test_a_leg_born_while_the_resync_waited_for_its_list_is_kept() -> None:
    """`show channels` was taken before the leg's CHANNEL_CREATE, which came while the resync
    waited for the reply: the leg is not one that vanished (found by the restart chaos test:
    retired, every later event of it ignored, its caller taken for gone as the agent answered)."""
    tracker = LegTracker()
    events = events_of("events-plain-call")
    create = next(e for e in events if e.name == "CHANNEL_CREATE")
    tracker.begin_resync("fs1")
    tracker.on_event("fs1", create)
    assert tracker.on_resync("fs1", []) == []
    assert tracker.legs[create.uuid].alive
    assert tracker.on_resync("fs1", []) == [create.uuid]  # the next list without it: gone


def test_unbridge_frees_the_peer_found_directly_or_by_a_walk() -> None:
    """CHANNEL_UNBRIDGE of one leg frees its peer: found from the leg itself, or (a peer that
    a resync rebuilt without its bridge) by a walk over every leg."""
    unbridge = next(e for e in events_of("bridge-and-record") if e.name == "CHANNEL_UNBRIDGE")
    tracker, _ = replay("bridge-and-record", stop_at=lambda e: e.name == "CHANNEL_HANGUP")
    (caller, agent), = [c for c in tracker.calls() if len(c) == 2]
    a, b = (caller, agent) if caller.uuid == unbridge.uuid else (agent, caller)
    tracker.on_event("fs1", unbridge)
    assert a.bridged_to is None and b.bridged_to is None
    tracker, _ = replay("bridge-and-record", stop_at=lambda e: e.name == "CHANNEL_HANGUP")
    legs = tracker.legs
    legs[unbridge.uuid].bridged_to = None  # the unbridged leg forgot its peer
    peer = next(leg for leg in legs.values() if leg.bridged_to == unbridge.uuid)
    tracker.on_event("fs1", unbridge)
    assert peer.bridged_to is None


def test_a_leg_that_ended_while_the_resync_waited_for_its_list_stays_ended() -> None:
    """`show channels` was taken while the leg was up; its hangup and destroy came while the
    resync waited for the reply: the stale row must not bring the leg back alive."""
    tracker = LegTracker()
    events = events_of("events-plain-call")
    for e in events:
        if e.name == "CHANNEL_HANGUP":
            break
        tracker.on_event("fs1", e)
    uuid = next(iter(tracker.legs))
    tracker.begin_resync("fs1")
    for e in events:
        if e.name in ("CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"):
            tracker.on_event("fs1", e)
    assert uuid not in tracker.legs
    tracker.on_resync("fs1", [{"uuid": uuid, "callstate": "ACTIVE", "application": "park"}])
    assert uuid not in tracker.legs and tracker.get(uuid).status == DESTROYED

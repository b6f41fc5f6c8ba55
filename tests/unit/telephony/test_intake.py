"""Leg ownership: the intake decides once, from a parked leg's calldesk_* variables, who owns it,
and hands that owner the leg's events from then on."""

from __future__ import annotations

import pytest

from calldesk.esl.frames import Event, Headers
from calldesk.telephony.intake import Intake, owner_of
from calldesk.telephony.tracker import LegTracker


@pytest.mark.parametrize(
    "variables, direction, owner",
    [
        ({}, "inbound", "ivr"),  # a customer's call on a DID
        ({"calldesk_did": "+15551000", "calldesk_flow": "hello"}, "inbound", "ivr"),
        ({"calldesk_kind": "agent_call"}, "inbound", "desk"),
        ({"calldesk_kind": "outbound"}, "inbound", "desk"),
        ({"calldesk_kind": "supervisor"}, "inbound", "desk"),
        ({"calldesk_role": "agent", "calldesk_offer": "i/o1"}, "outbound", "agent"),
        ({"calldesk_role": "callback"}, "outbound", "callback"),
        ({"calldesk_role": "supervisor"}, "outbound", "supervisor"),
        ({"calldesk_role": "dialer"}, "outbound", "dialer"),
        ({}, "outbound", "none"),  # an outbound leg no role names is not a customer arriving
        ({"calldesk_kind": "agent_call", "calldesk_role": "agent"}, "inbound", "desk"),
    ],
)
def test_owner_of(variables, direction, owner) -> None:
    assert owner_of(variables, direction) == owner


def event(name: str, uuid: str, **variables: str) -> Event:
    pairs = [("Event-Name", name), ("Unique-ID", uuid), ("Call-Direction", "inbound")]
    pairs += [(f"variable_{k}", v) for k, v in variables.items()]
    return Event(Headers(pairs))


def rig() -> tuple[LegTracker, Intake, dict[str, list[tuple[str, str]]]]:
    tracker, intake = LegTracker(), Intake()
    tracker.subscribe(intake.on_leg)
    seen: dict[str, list[tuple[str, str]]] = {"ivr": [], "desk": []}
    intake.own("ivr", lambda leg, e: seen["ivr"].append((leg.uuid, e.name)))
    intake.own("desk", lambda leg, e: seen["desk"].append((leg.uuid, e.name)))
    return tracker, intake, seen


def test_the_owner_is_decided_at_the_first_park_and_gets_the_legs_later_events() -> None:
    tracker, intake, seen = rig()
    tracker.on_event("sw", event("CHANNEL_CREATE", "c1"))  # before the park: nobody's yet
    tracker.on_event("sw", event("CHANNEL_PARK", "c1", calldesk_did="5551000"))
    tracker.on_event("sw", event("DTMF", "c1"))
    tracker.on_event("sw", event("CHANNEL_PARK", "c1", calldesk_kind="agent_call"))
    tracker.on_event("sw", event("CHANNEL_HANGUP", "c1"))
    # decided once: a later variable does not hand the leg to another owner
    assert seen["ivr"] == [("c1", "CHANNEL_PARK"), ("c1", "DTMF"), ("c1", "CHANNEL_PARK"),
                           ("c1", "CHANNEL_HANGUP")]
    assert seen["desk"] == [] and intake.owner["c1"] == "ivr"


def test_desk_calls_and_unowned_legs() -> None:
    tracker, intake, seen = rig()
    tracker.on_event("sw", event("CHANNEL_PARK", "d1", calldesk_kind="outbound"))
    tracker.on_event("sw", event("CHANNEL_PARK", "a1", calldesk_role="agent"))  # no agent owner
    assert seen["desk"] == [("d1", "CHANNEL_PARK")] and seen["ivr"] == []
    assert intake.owner == {"d1": "desk", "a1": "agent"}
    tracker.on_event("sw", event("CHANNEL_DESTROY", "d1"))
    assert "d1" not in intake.owner  # forgotten once the leg is gone


def test_a_failing_owner_does_not_stop_the_reader_and_owners_register_once() -> None:
    tracker, intake = LegTracker(), Intake()
    tracker.subscribe(intake.on_leg)

    def boom(leg, e):
        raise RuntimeError("owner bug")

    intake.own("ivr", boom)
    tracker.on_event("sw", event("CHANNEL_PARK", "c2"))  # logged, not raised
    with pytest.raises(ValueError):
        intake.own("ivr", boom)
    with pytest.raises(ValueError):
        intake.own("nobody", boom)

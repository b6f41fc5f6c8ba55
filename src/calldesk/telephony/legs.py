"""Leg state, folded from FreeSWITCH events. Pure: no IO, time comes from the events."""

from __future__ import annotations

from dataclasses import dataclass, field

from calldesk.esl.frames import Event

# Leg lifecycle as calldesk sees it (coarser than FreeSWITCH's CS_* states).
NEW, RINGING, EARLY, ANSWERED, HUNGUP, DESTROYED = (
    "new",
    "ringing",
    "early",
    "answered",
    "hungup",
    "destroyed",
)


@dataclass
class Leg:
    uuid: str
    switch: str
    direction: str = ""
    name: str = ""
    caller_number: str = ""
    caller_name: str = ""
    destination: str = ""
    status: str = NEW
    parked: bool = False
    held: bool = False
    application: str = ""
    bridged_to: str | None = None
    recording: set[str] = field(default_factory=set)
    variables: dict[str, str] = field(default_factory=dict)
    digits: list[str] = field(default_factory=list)
    hangup_cause: str = ""
    created_at: float = 0.0
    answered_at: float | None = None
    bridged_at: float | None = None
    hungup_at: float | None = None
    last_sequence: str | None = None  # Event-Sequence of the last event folded (re-fires skipped)

    @property
    def alive(self) -> bool:
        return self.status not in (HUNGUP, DESTROYED)


def event_time(event: Event) -> float:
    """Seconds since the epoch, from `Event-Date-Timestamp` (microseconds)."""
    raw = event.get("Event-Date-Timestamp")
    try:
        return int(raw) / 1e6 if raw else 0.0
    except ValueError:
        return 0.0


_CARRY_VARIABLES = frozenset({"CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_PARK", "CHANNEL_BRIDGE"})


def _profile(leg: Leg, event: Event) -> None:
    # Every channel event repeats the caller profile; it is read where the leg settles (create,
    # answer, park, bridge) and on the first event of a leg seen mid-call, not on every event.
    if event.name not in _CARRY_VARIABLES and leg.name:
        return
    leg.direction = event.get("Call-Direction") or leg.direction
    leg.name = event.get("Channel-Name") or leg.name
    leg.caller_number = event.get("Caller-Caller-ID-Number") or leg.caller_number
    leg.caller_name = event.get("Caller-Caller-ID-Name") or leg.caller_name
    leg.destination = event.get("Caller-Destination-Number") or leg.destination
    if event.name in _CARRY_VARIABLES:  # only where variables settle
        for name, value in event.headers.prefixed("variable_calldesk_"):
            leg.variables[name[9:]] = value


def apply(leg: Leg, event: Event) -> None:
    """Fold one event into the leg."""
    name = event.name
    _profile(leg, event)
    if name == "CHANNEL_CREATE":
        leg.created_at = leg.created_at or event_time(event)
    elif name in ("CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA"):
        if leg.status == NEW:
            leg.status = RINGING if name == "CHANNEL_PROGRESS" else EARLY
    elif name == "CHANNEL_ANSWER":
        if leg.alive:
            leg.status = ANSWERED
            leg.answered_at = leg.answered_at or event_time(event)
    elif name == "CHANNEL_PARK":
        leg.parked = True
    elif name == "CHANNEL_UNPARK":
        leg.parked = False
    elif name == "CHANNEL_EXECUTE":
        leg.application = event.get("Application") or ""
    elif name == "CHANNEL_EXECUTE_COMPLETE":
        if leg.application == event.get("Application"):
            leg.application = ""
    elif name == "CHANNEL_BRIDGE":
        leg.bridged_to = event.get("Other-Leg-Unique-ID")
        leg.bridged_at = leg.bridged_at or event_time(event)
    elif name == "CHANNEL_UNBRIDGE":
        leg.bridged_to = None
    elif name == "CHANNEL_HOLD":
        leg.held = True
    elif name == "CHANNEL_UNHOLD":
        leg.held = False
    elif name == "DTMF":
        digit = event.get("DTMF-Digit")
        if digit:
            leg.digits.append(digit)
    elif name == "RECORD_START":
        leg.recording.add(event.get("Record-File-Path") or "")
    elif name == "RECORD_STOP":
        leg.recording.discard(event.get("Record-File-Path") or "")
    elif name in ("CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE"):
        if leg.status != DESTROYED:
            leg.status = HUNGUP
        leg.hangup_cause = event.get("Hangup-Cause") or leg.hangup_cause
        leg.hungup_at = leg.hungup_at or event_time(event)
        leg.parked = False
    elif name == "CHANNEL_DESTROY":
        leg.status = DESTROYED
        leg.hungup_at = leg.hungup_at or event_time(event)


def from_show_row(switch: str, row: dict) -> Leg:
    """A leg rebuilt from one row of `show channels as json` (after a reconnect)."""
    callstate = row.get("callstate", "")
    status = {"ACTIVE": ANSWERED, "HELD": ANSWERED, "RINGING": RINGING, "EARLY": EARLY}.get(
        callstate, NEW
    )
    app = row.get("application", "") or ""
    try:
        created = float(row.get("created_epoch") or 0)
    except ValueError:
        created = 0.0
    return Leg(
        uuid=row["uuid"],
        switch=switch,
        direction=row.get("direction", ""),
        name=row.get("name", ""),
        caller_number=row.get("cid_num", ""),
        caller_name=row.get("cid_name", ""),
        destination=row.get("dest", ""),
        status=status,
        parked=app == "park",
        held=callstate == "HELD",
        application=app,
        bridged_to=row.get("b_uuid") or None,
        created_at=created,
    )


@dataclass(frozen=True)
class LegRef:
    """Where a leg is: its uuid, its switch, and when calldesk learned of it (clock seconds)."""

    uuid: str
    switch: str
    at: float = 0.0


def user_of(name: str) -> str | None:
    """`user/1001@dom`, `sofia/internal/1001@host` -> `1001`; anything else -> None."""
    if name.startswith("user/"):
        return name[5:].split("@", 1)[0] or None
    if name.startswith("sofia/"):
        parts = name.split("/", 2)
        return parts[2].split("@", 1)[0] or None if len(parts) == 3 else None
    return None

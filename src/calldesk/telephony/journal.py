"""Legs in the journal: create, answer, bridge and hangup of every leg, dated by the switch."""

from __future__ import annotations

from typing import Any, Protocol

from calldesk.telephony.legs import Leg, event_time

LEG_JOURNAL = ("CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE")


class Appender(Protocol):
    def append(self, kind: str, subject: str, data: dict[str, Any] | None, at: float) -> Any: ...


class LegJournal:
    """`journal`: the store's journal, or a `BatchWriter` that commits the rows off the reader."""

    def __init__(self, journal: Appender) -> None:
        self.journal = journal

    def on_leg(self, leg: Leg, event: Any) -> None:
        if event.name in LEG_JOURNAL:
            data = {
                "switch": leg.switch, "direction": leg.direction, "caller": leg.caller_number,
                "destination": leg.destination, "cause": leg.hangup_cause,
                "bridged_to": leg.bridged_to,
            }
            self.journal.append("leg." + event.name[8:].lower(), leg.uuid, data,
                                at=event_time(event))

"""Composition root: builds the store, the switches and the services, and wires them. No logic."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from calldesk.config import Config
from calldesk.esl.connection import SwitchConnection, SwitchSettings
from calldesk.store import Store
from calldesk.telephony.legs import Leg
from calldesk.telephony.switchboard import Switchboard

log = logging.getLogger(__name__)


@dataclass
class Controller:
    config: Config
    store: Store
    board: Switchboard
    services: dict[str, object] = field(default_factory=dict)

    def start(self, wait: float = 10.0) -> dict[str, bool]:
        return self.board.start(wait=wait)

    def stop(self) -> None:
        self.board.stop()
        self.store.close()


def switch_settings(config: Config) -> list[SwitchSettings]:
    return [
        SwitchSettings(
            name=sw["name"],
            host=sw["host"],
            port=sw["port"],
            password=sw["password"],
            command_timeout=sw["command_timeout"],
            connect_timeout=sw["connect_timeout"],
        )
        for sw in config["switches"]
    ]


def build(config: Config, store: Store | None = None) -> Controller:
    store = store or Store.open(config.path("store.path"))
    board = Switchboard([SwitchConnection(s) for s in switch_settings(config)])

    def journal_leg(leg: Leg, event) -> None:
        if event.name in (
            "CHANNEL_CREATE",
            "CHANNEL_ANSWER",
            "CHANNEL_BRIDGE",
            "CHANNEL_HANGUP_COMPLETE",
        ):
            data = {"switch": leg.switch, "direction": leg.direction, "caller": leg.caller_number,
                    "destination": leg.destination, "cause": leg.hangup_cause, "bridged_to": leg.bridged_to}  # fmt: skip
            store.journal.append(
                "leg." + event.name[8:].lower(), leg.uuid, data, at=_event_at(event)
            )

    board.tracker.subscribe(journal_leg)
    return Controller(config, store, board)


def _event_at(event) -> float:
    from calldesk.telephony.legs import event_time

    return event_time(event)

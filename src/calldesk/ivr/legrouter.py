"""Per connection: the one inline handler (`on_event`, subscribed by the wiring) that hands each leg's DTMF, completions and hangup to
that leg's `VoicePort`, and keeps digits typed before a run's port exists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from calldesk.ivr.voice import Connection, VoicePort, VoiceSettings


@dataclass
class LegRouter:
    """One inline handler per connection, dispatching DTMF and hangups to the leg's port."""

    conn: Connection
    ports: dict[str, VoicePort] = field(default_factory=dict)
    # Digits typed before a leg's run has its port (the caller types right after the answer,
    # while the run is still starting): kept per leg and handed to the port when it is made.
    early: dict[str, list[str]] = field(default_factory=dict)
    max_early_legs: int = 10000

    def port(self, leg_uuid: str, settings: VoiceSettings | None = None) -> VoicePort:
        port = VoicePort(self.conn, leg_uuid, settings or VoiceSettings(), self)
        port.dtmf.extend(self.early.pop(leg_uuid, []))
        self.ports[leg_uuid] = port
        return port

    def release(self, leg_uuid: str) -> None:
        self.ports.pop(leg_uuid, None)
        self.early.pop(leg_uuid, None)

    def on_event(self, event: Any) -> None:
        port = self.ports.get(event.uuid or "")
        if port is None:
            self._remember(event)
            return
        if event.name == "DTMF":
            port.dtmf.append(event.get("DTMF-Digit") or "")
        elif event.name == "CHANNEL_EXECUTE_COMPLETE":
            port.marks[event.get("Application-UUID") or ""] = len(port.dtmf)
        elif event.name in ("CHANNEL_HANGUP", "CHANNEL_DESTROY"):
            port.gone = True
            port.hangup_cause = event.get("Hangup-Cause") or "NORMAL_CLEARING"

    def _remember(self, event: Any) -> None:
        uuid = event.uuid or ""
        if event.name == "DTMF" and uuid:
            digits = self.early.get(uuid)
            if digits is None:
                if len(self.early) >= self.max_early_legs:
                    self.early.pop(next(iter(self.early)))
                digits = self.early[uuid] = []
            if len(digits) < 64:
                digits.append(event.get("DTMF-Digit") or "")
        elif event.name in ("CHANNEL_HANGUP", "CHANNEL_DESTROY"):
            self.early.pop(uuid, None)

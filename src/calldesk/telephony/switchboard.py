"""Several switches under one controller: each its own connection and health; commands for a
leg go to the switch that holds it."""

from __future__ import annotations

from collections.abc import Iterable

from calldesk.errors import NotConnected
from calldesk.esl.connection import SwitchConnection, connect_all
from calldesk.esl.frames import Event
from calldesk.telephony.tracker import LegTracker


class Switchboard:
    def __init__(
        self, connections: Iterable[SwitchConnection], tracker: LegTracker | None = None
    ) -> None:
        self.tracker = tracker or LegTracker()
        self.switches: dict[str, SwitchConnection] = {}
        for conn in connections:
            self.add(conn)

    def add(self, conn: SwitchConnection) -> None:
        if conn.name in self.switches:
            raise ValueError(f"duplicate switch name {conn.name!r}")
        self.switches[conn.name] = conn
        name = conn.name

        def fold(event: Event) -> None:
            self.tracker.on_event(name, event)

        conn.add_handler(fold, inline=True)
        def resync(switch: str, rows: list[dict]) -> None:
            self.tracker.on_resync(switch, rows)

        conn.add_resync_listener(resync)
        begin = getattr(conn, "add_resync_begin_listener", None)  # test doubles may lack it
        if begin is not None:
            begin(self.tracker.begin_resync)

    def start(self, wait: float = 10.0) -> dict[str, bool]:
        return connect_all(self.switches.values(), wait)

    def stop(self) -> None:
        for conn in self.switches.values():
            conn.stop()

    def for_leg(self, leg_uuid: str) -> SwitchConnection:
        name = self.tracker.switch_of(leg_uuid)
        if name is None:
            raise NotConnected(f"no switch holds leg {leg_uuid}")
        return self.switches[name]

    def pick(self) -> SwitchConnection:
        """A ready switch for new outbound work: the one with the fewest live legs."""
        ready = [c for c in self.switches.values() if c.ready]
        if not ready:
            raise NotConnected("no switch is ready")
        return min(ready, key=lambda c: len(self.tracker.live_on(c.name)))

    def health(self) -> dict[str, dict]:
        return {
            name: {
                "state": c.health.state,
                "connects": c.health.connects,
                "events_in": c.health.events_in,
                "bad_events": c.health.bad_events,
                "commands_failed": c.health.commands_failed,
                "last_error": c.health.last_error,
                "legs": len(self.tracker.live_on(name)),
            }
            for name, c in self.switches.items()
        }

"""The leg tracker: every live leg on every switch, folded from events; calls from bridges."""

from __future__ import annotations

from collections.abc import Callable

from calldesk.esl.frames import Event
from calldesk.telephony.legs import (
    ANSWERED,
    DESTROYED,
    EARLY,
    NEW,
    RINGING,
    Leg,
    apply,
    from_show_row,
)

LegListener = Callable[[Leg, Event], None]


class LegTracker:
    """Pure state: feed it events (`on_event`) and resync rows (`on_resync`)."""

    def __init__(self, keep_destroyed: int = 1000) -> None:
        self.legs: dict[str, Leg] = {}
        self._gone: dict[str, Leg] = {}
        self._keep = keep_destroyed
        self._listeners: list[LegListener] = []
        self._since: dict[str, set[str]] = {}  # switch -> legs events told of during its resync

    def subscribe(self, listener: LegListener) -> None:
        self._listeners.append(listener)

    def on_event(self, switch: str, event: Event) -> Leg | None:
        uuid = event.uuid
        if not uuid or not event.name.startswith(("CHANNEL_", "DTMF", "RECORD_", "PLAYBACK_")):
            return None
        since = self._since.get(switch)
        if since is not None:
            since.add(uuid)
        leg = self.legs.get(uuid)
        # Re-fired copies of one event share Event-Sequence (e.g. avmd); fold each once. The
        # last sequence folded is kept on the leg itself (no per-event key to build).
        seq = event.get("Event-Sequence")
        if leg is None:
            if uuid in self._gone:
                return None
            leg = Leg(uuid=uuid, switch=switch)
            self.legs[uuid] = leg
        elif seq is not None and leg.last_sequence == seq and leg.switch == switch:
            return leg
        if seq is not None:
            leg.last_sequence = seq
        peer = leg.bridged_to
        apply(leg, event)
        if event.name == "CHANNEL_BRIDGE" and leg.bridged_to in self.legs:
            self.legs[leg.bridged_to].bridged_to = uuid
        if event.name == "CHANNEL_UNBRIDGE":
            self._unbridge(uuid, peer)
        for listener in self._listeners:
            listener(leg, event)
        if leg.status == DESTROYED:
            self._retire(leg)
        return leg

    def _unbridge(self, uuid: str, peer: str | None) -> None:
        """Whoever was bridged to `uuid` is not any more: its peer, found at once; a walk over
        every leg only when the peer is unknown (a leg rebuilt by a resync has none)."""
        other = self.legs.get(peer) if peer else None
        if other is not None and other.bridged_to == uuid:
            other.bridged_to = None
            return
        for other in self.legs.values():
            if other.bridged_to == uuid:
                other.bridged_to = None

    def _retire(self, leg: Leg) -> None:
        self.legs.pop(leg.uuid, None)
        self._gone[leg.uuid] = leg
        while len(self._gone) > self._keep:
            self._gone.pop(next(iter(self._gone)))

    def begin_resync(self, switch: str) -> None:
        """The switch is about to list its legs: note the legs events tell of meanwhile."""
        self._since[switch] = set()

    def on_resync(self, switch: str, rows: list[dict]) -> list[str]:
        """Replace this switch's legs with the rows; returns the uuids that vanished. A leg an
        event told of since the list was asked for is not one of them (it was born after it:
        retired, every later event of it was ignored, and the caller was taken for gone). A row
        of a leg whose end the events told meanwhile does not bring it back (alive for good, it
        kept a recording adopted and waiting for a stop that had come: found by the restart
        chaos test)."""
        live = {row["uuid"]: row for row in rows if row.get("uuid")}
        fresh = self._since.pop(switch, set())
        vanished = [u for u, leg in self.legs.items()
                    if leg.switch == switch and u not in live and u not in fresh]
        for uuid in vanished:
            leg = self.legs[uuid]
            leg.status = DESTROYED
            self._retire(leg)
        for uuid, row in live.items():
            if uuid in self._gone:  # it ended while the list was on its way: it stays ended
                continue
            known = self.legs.get(uuid)
            rebuilt = from_show_row(switch, row)
            if known is None:
                self.legs[uuid] = rebuilt
                continue
            # A leg we already follow keeps what its events told us (bridge, park, times): a
            # `show channels` row lags the events and lacks the bridge peer. The row only
            # moves it forward when we missed its answer (e.g. while disconnected).
            known.switch = switch
            if rebuilt.status == ANSWERED and known.status in (NEW, RINGING, EARLY):
                known.status = ANSWERED
        return vanished

    def get(self, uuid: str) -> Leg | None:
        return self.legs.get(uuid) or self._gone.get(uuid)

    def switch_of(self, uuid: str) -> str | None:
        leg = self.get(uuid)
        return leg.switch if leg else None

    def calls(self) -> list[tuple[Leg, ...]]:
        """Bridged legs grouped into calls; an unbridged live leg is a call of one."""
        seen: set[str] = set()
        out: list[tuple[Leg, ...]] = []
        for leg in self.legs.values():
            if leg.uuid in seen:
                continue
            group = [leg]
            seen.add(leg.uuid)
            other = self.legs.get(leg.bridged_to or "")
            if other is not None and other.uuid not in seen:
                group.append(other)
                seen.add(other.uuid)
            out.append(tuple(group))
        return out

    def live_on(self, switch: str) -> list[Leg]:
        return [leg for leg in self.legs.values() if leg.switch == switch and leg.alive]

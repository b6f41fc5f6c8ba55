"""Carries desk-call decisions out over ESL. Journal: `deskcall.ring`, `deskcall.dial`,
`deskcall.supervise`, `deskcall.refused`, `deskcall.ended`.

- RingAgent: `bridge <contact>` on the parked leg (the caller hears the callee's ringback; a
  caller hanging up cancels the ring); when the bridge app ends, a leg still up is hung up with
  the bridge's cause.
- DialOut: answer, ringback tone, `OutboundDialer.dial` (trunks, failover, outbound rules), then
  `uuid_break` and `uuid_bridge`; either leg hanging up hangs up the other.
- Supervise: `SupervisionService.attach` runs eavesdrop on the supervisor's own leg.
Tracker listeners run on the ESL reader, so each call is handled in its own greenlet.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import gevent

from calldesk.acd.view import AcdView
from calldesk.auth import Directory, PermissionDenied
from calldesk.deskcalls.decide import (
    DeskCall,
    DialOut,
    Line,
    Refuse,
    RingAgent,
    Supervise,
    decide,
    read_call,
)
from calldesk.errors import CalldeskError
from calldesk.store import Store
from calldesk.supervision.locate import NoLiveCall
from calldesk.supervision.session import SupervisionError
from calldesk.telephony.legs import Leg, user_of
from calldesk.telephony.switchboard import Switchboard
from calldesk.trunks.dialer import OutboundError

log = logging.getLogger(__name__)

# Played with `playback` (a negative loop count: for ever), which `uuid_break` ends; the
# dispatcher's MOH works the same way.
RINGBACK = "tone_stream://%(2000,4000,440,480);loops=-1"
# Not allowed; nothing to join (the agent is on no call); refused (e.g. already supervising).
_SUPERVISE_CAUSES = {PermissionDenied: "CALL_REJECTED", NoLiveCall: "NORMAL_TEMPORARY_FAILURE",
                     SupervisionError: "USER_BUSY"}  # fmt: skip


class DeskCalls:
    def __init__(
        self,
        board: Switchboard,
        store: Store,
        agents: Callable[[], dict[str, Line]],
        directory: Directory,
        *,
        supervision: Any = None,
        dialer: Any = None,
        clock: Callable[[], float] = time.time,
        time_scale: float = 1.0,
        ring_timeout_s: int = 30,
    ) -> None:
        self.board, self.store, self.agents, self.directory = board, store, agents, directory
        self.supervision, self.dialer = supervision, dialer
        self.clock, self.time_scale, self.ring_timeout_s = clock, time_scale, ring_timeout_s
        self.handled: set[str] = set()
        self.pairs: dict[str, tuple[str, str]] = {}  # leg -> (other leg, switch)

    # -- events (ESL reader: no switch commands here) ----------------------------------------
    def on_park(self, leg: Leg, event: Any) -> None:
        """The intake's `desk` owner: a call dialled from a phone starts at its first park."""
        if event.name == "CHANNEL_PARK" and leg.uuid not in self.handled and leg.alive:
            call = read_call(leg.variables)
            if call is not None:
                self.handled.add(leg.uuid)
                gevent.spawn(self.handle, leg.uuid, leg.switch, call)

    def on_leg(self, leg: Leg, event: Any) -> None:
        """Every leg (the wiring subscribes it): one side of a desk call hangs up the other."""
        name = event.name
        if name == "CHANNEL_HANGUP":
            other = self.pairs.pop(leg.uuid, None)
            if other is not None:
                self.pairs.pop(other[0], None)
                gevent.spawn(
                    self._hangup, other[0], other[1], leg.hangup_cause or "NORMAL_CLEARING"
                )
        elif name == "CHANNEL_DESTROY":
            self.handled.discard(leg.uuid)

    # -- decisions ----------------------------------------------------------------------------
    def decide(self, call: DeskCall) -> Any:
        agents = self.agents()
        extensions = {user_of(line.contact): aid for aid, line in agents.items()}
        roles = {u.id: u.role for u in self.directory.users.values()}
        return decide(call, agents, {k: v for k, v in extensions.items() if k}, roles)

    def handle(self, uuid: str, switch: str, call: DeskCall) -> None:
        decision = self.decide(call)
        who = call.from_agent or call.from_user or uuid
        base = {"leg": uuid, "kind": call.kind, "from": who, "target": call.target}
        try:
            if isinstance(decision, RingAgent):
                self._journal("deskcall.ring", who, {**base, "agent": decision.agent})
                self._ring(uuid, switch, decision)
            elif isinstance(decision, DialOut):
                self._journal("deskcall.dial", who, {**base, "number": decision.number})
                self._dial(uuid, switch, decision, base)
            elif isinstance(decision, Supervise):
                self._supervise(uuid, switch, decision, base)
            else:
                self._refuse(uuid, switch, decision, base)
        except CalldeskError as exc:
            log.warning("desk call %s (%s) failed: %s", uuid, call.kind, exc)
            self._refuse(uuid, switch, Refuse("NORMAL_TEMPORARY_FAILURE", str(exc)), base)

    def _refuse(self, uuid: str, switch: str, r: Refuse, base: dict[str, Any]) -> None:
        log.info("desk call %s refused: %s (%s)", uuid, r.why, r.cause)
        self._journal("deskcall.refused", base["from"], {**base, "cause": r.cause, "reason": r.why})
        self._hangup(uuid, switch, r.cause)

    def _ring(self, uuid: str, switch: str, d: RingAgent) -> None:
        conn = self.board.switches[switch]
        conn.api("uuid_setvar", uuid, "call_timeout", str(self.ring_timeout_s))
        done = conn.execute(uuid, "bridge", d.contact)
        cause = (
            done.get("variable_originate_disposition")
            or done.get("variable_bridge_hangup_cause")
            or "NORMAL_CLEARING"
        )
        if cause in ("SUCCESS", "ANSWER"):
            cause = "NORMAL_CLEARING"
        self._journal("deskcall.ended", d.agent, {"leg": uuid, "cause": cause})
        self._hangup(uuid, switch, cause)

    def _dial(self, uuid: str, switch: str, d: DialOut, base: dict[str, Any]) -> None:
        if self.dialer is None:
            self._refuse(uuid, switch, Refuse("NO_ROUTE_DESTINATION", "no trunks configured"), base)
            return
        conn = self.board.switches[switch]
        conn.execute(uuid, "answer", timeout=10)
        conn.execute_async(uuid, "playback", RINGBACK)
        try:
            dialed = self.dialer.dial(d.number, {"calldesk_desk_leg": uuid}, switch=switch,
                                      subject=d.caller)  # fmt: skip
        except OutboundError as exc:
            self._refuse(uuid, switch, Refuse(exc.cause, str(exc)), base)
            return
        leg = self.board.tracker.legs.get(uuid)
        if leg is None or not leg.alive:  # the caller gave up while it rang
            self._hangup(dialed.uuid, dialed.switch, "ORIGINATOR_CANCEL")
            return
        self.pairs[uuid], self.pairs[dialed.uuid] = (dialed.uuid, switch), (uuid, switch)
        conn.api("uuid_break", uuid, "all", check=False)
        conn.api("uuid_bridge", uuid, dialed.uuid)

    def _supervise(self, uuid: str, switch: str, d: Supervise, base: dict[str, Any]) -> None:
        if self.supervision is None:
            self._refuse(uuid, switch, Refuse("CALL_REJECTED", "supervision is off"), base)
            return
        try:
            s = self.supervision.attach(d.user, d.agent, d.mode, uuid, switch)
        except (PermissionDenied, SupervisionError, NoLiveCall) as exc:
            self._refuse(uuid, switch, Refuse(_SUPERVISE_CAUSES[type(exc)], str(exc)), base)
            return
        self._journal("deskcall.supervise", d.user,
                      {**base, "agent": d.agent, "mode": d.mode, "session": s.id})  # fmt: skip

    # -- edges ----------------------------------------------------------------------------------
    def _hangup(self, uuid: str, switch: str, cause: str) -> None:
        try:
            self.board.switches[switch].hangup(uuid, cause)
        except CalldeskError:
            pass

    def _journal(self, kind: str, subject: str, data: dict[str, Any]) -> None:
        self.store.journal.append(kind, subject, data, self.clock())


def desk_lines(view: AcdView) -> dict[str, Line]:
    """Agents' phones for desk calls, from the engine's read-only view: busy while on an
    interaction, an offer or another call."""
    return {a.id: Line(a.contact, a.busy) for a in view.agents()}

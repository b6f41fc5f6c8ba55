"""Reconciliation: the ACD's view against the legs the switches really hold.

The engine runs it every `reconcile_every_s`, after every resync (`VoiceAdapter.on_resync`),
once after a restart (`recovery`), and on the legs a `show channels` snapshot lacked
(`LegCheck`). Each mismatch becomes a `Repair`: a short text, the core event that fixes it, and
maybe a leg to hang up or two to bridge. Legs on a switch that is not ready are never judged:
their state is unknown, not gone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from calldesk.acd import events as ev
from calldesk.acd.interaction import InteractionState as S
from calldesk.acd.view import AcdView
from calldesk.engine.adapter import ReconcileAbsent, Repair
from calldesk.engine.settings import DispatchSettings
from calldesk.errors import CalldeskError
from calldesk.telephony.legs import LegRef
from calldesk.telephony.switchboard import Switchboard
from calldesk.voice.legmaps import LegMaps, Ring
from calldesk.voice.legwatch import LegWatch

log = logging.getLogger(__name__)


def reconcile(maps: LegMaps, view: AcdView, board: Switchboard, watch: LegWatch, now: float,
              grace: float, *, recovery: bool = False,
              absent: frozenset[str] = frozenset()) -> list[Repair]:
    """`absent`: legs a `show channels` snapshot lacked and no event explained since."""
    tracker = board.tracker
    ready = {n for n, c in board.switches.items() if c.ready}
    all_ready = len(ready) == len(board.switches)

    def gone(ref: LegRef | None) -> bool:
        if ref is None:
            return True
        if ref.switch not in ready and (ref.switch or not all_ready):
            return False
        if ref.uuid in absent:
            return True
        leg = tracker.legs.get(ref.uuid)
        if leg is not None:
            return not leg.alive
        return tracker.get(ref.uuid) is not None or recovery or now - ref.at > grace

    def ended(*refs: LegRef | None) -> float | None:
        """When the switch said the first of these legs hung up, if it said (after a restart
        or a lost connection nothing does: FreeSWITCH keeps no record of a gone leg)."""
        times = [leg.hungup_at for r in refs if r is not None
                 and (leg := tracker.get(r.uuid)) is not None and not leg.alive and leg.hungup_at]
        return min(times) if times else None

    unmapped = _unmapped_agent_legs(tracker, maps)
    out: list[Repair] = []
    for it in list(view.interactions()):
        iid = it.id
        if it.medium != "voice":
            continue
        if it.state is S.CONNECTED and it.agent is not None:
            _claim_talking(maps, unmapped, iid, it.agent, now)
        caller = maps.callers.get(iid)
        if not it.callback_number and it.state in (S.WAITING, S.OFFERED, S.CONNECTED):
            if gone(caller):
                what = "caller leg gone" if caller else "no caller leg known"
                data = {"leg": caller.uuid if caller else None, "state": it.state.value}
                out.append(Repair(iid, what, ev.InteractionEnded(iid, "reconciled"), data,
                                  at=ended(caller)))
                continue
        if it.state is S.CONNECTED and it.agent is not None:  # None: taken over, no agent leg
            oid = maps.talking.get(iid)
            agent_leg = maps.agent_legs.get(oid) if oid else None
            far = maps.customers.get(iid) if it.callback_number else caller
            if gone(agent_leg) or gone(far):
                data = {"agent": it.agent, "agent_leg": agent_leg.uuid if agent_leg else None}
                kill = None if gone(far) else far
                out.append(Repair(iid, "call legs gone", ev.InteractionEnded(iid, "reconciled"),
                                  data, kill=kill, at=ended(agent_leg, far)))
            elif recovery and far is not None and agent_leg is not None:
                leg = tracker.legs.get(far.uuid)
                if leg is not None and leg.bridged_to != agent_leg.uuid:
                    out.append(Repair(iid, "answered but not bridged", None,
                                      {"agent": it.agent}, bridge=(far, agent_leg)))
        elif it.state is S.DIALING and recovery:
            oid = maps.unset_talking(iid)
            out.append(Repair(iid, "callback dial lost in restart",
                              ev.CallbackFailed(iid, "controller restart"), {"agent": it.agent},
                              kill=maps.agent_legs.get(oid) if oid else None))
    for rec in list(view.offers()):
        oid = rec.id
        offered = view.interaction(rec.interaction)
        if offered is None or offered.medium != "voice":
            continue  # a chat, SMS or email offer has no leg: its own adapter answers for it
        ring = maps.rings.get(oid)
        if ring is None:
            ring = Ring(oid, rec.interaction, rec.agent, False, orphan=True)
            maps.add_ring(ring)
        if ring.pending or ring.cancelled:
            continue
        ref = maps.agent_legs.get(oid)
        if ref is None and (found := unmapped.pop(oid, None)) is not None:
            ref = LegRef(found.uuid, found.switch, now)  # placed, but never written down
            maps.map_agent_leg(oid, ref)
        if gone(ref):
            out.append(Repair(oid, "offer has no live agent leg",
                              ev.OfferLost(oid, "reconciled: agent leg gone"),
                              {"agent": rec.agent}, at=ended(ref)))
        elif ring.orphan and ref is not None:
            leg = tracker.legs.get(ref.uuid)
            if leg is not None and leg.status == "answered":
                ring.orphan = False
                out.append(Repair(oid, "agent answered while no one watched",
                                  ev.OfferAccepted(oid), {"agent": rec.agent}))
    if recovery:  # agent legs of offers the core no longer holds: nobody would hang them up
        for oid, leg in unmapped.items():
            ref = LegRef(leg.uuid, leg.switch, now)
            out.append(Repair(leg.variables.get("calldesk_agent") or oid,
                              "agent leg of no live offer", None, {"leg": leg.uuid, "offer": oid},
                              kill=ref))
    if all_ready:
        out.extend(_direct_calls(maps, view, tracker, watch, absent))
    return out


def _unmapped_agent_legs(tracker: Any, maps: LegMaps) -> dict[str, Any]:
    """Live legs the ACD placed for an offer (their variables say so, learned from the switch
    after a restart: `learn.py`) that the maps do not hold: offer -> leg."""
    return {
        oid: leg
        for leg in list(tracker.legs.values())
        if leg.alive and leg.uuid not in maps.by_leg
        and leg.variables.get("calldesk_role") == "agent"
        and (oid := leg.variables.get("calldesk_offer"))
    }


def _claim_talking(maps: LegMaps, unmapped: dict[str, Any], iid: str, agent: str,
                   now: float) -> None:
    """A connected call whose agent leg the store never learned (the controller died before
    writing it): the live agent leg placed for this interaction is its agent leg."""
    oid = maps.talking.get(iid)
    if oid is not None and oid in maps.agent_legs:
        return
    mine = [o for o, leg in unmapped.items()
            if leg.variables.get("calldesk_interaction") == iid and (oid is None or o == oid)]
    if len(mine) != 1:
        return
    found = unmapped.pop(mine[0])
    maps.map_agent_leg(mine[0], LegRef(found.uuid, found.switch, now))
    if oid is None:
        maps.set_talking(iid, mine[0], now)
    if mine[0] not in maps.rings:
        maps.add_ring(Ring(mine[0], iid, agent, pending=False, accepted=True))


def _direct_calls(maps: LegMaps, view: AcdView, tracker: Any, watch: LegWatch,
                  absent: frozenset[str]) -> list[Repair]:
    out: list[Repair] = []
    for a in view.agents():
        for call in sorted(a.direct):
            leg = tracker.legs.get(call)
            if leg is None or not leg.alive or call in absent:
                maps.direct_of.pop(call, None)
                out.append(Repair(a.id, "off-queue call leg gone",
                                  ev.AgentCallEnded(a.id, call), {"leg": call}))
    for leg in list(tracker.legs.values()):
        if leg.status != "answered" or not leg.alive or leg.uuid in maps.by_leg:
            continue
        agent = watch.direct_agent(leg)
        known = view.agent(agent) if agent is not None else None
        if agent is not None and known is not None and leg.uuid not in known.direct:
            maps.direct_of[leg.uuid] = agent
            out.append(Repair(agent, "off-queue call found",
                              ev.DirectCallStarted(agent, leg.uuid), {"leg": leg.uuid}))
    return out


class LegCheck:
    """Read `show channels` on every ready switch (without touching the tracker) and note the
    mapped legs it lacks. They are judged `settle_s` later, if no event about them has come
    meanwhile: a leg can vanish without an event (a missed event, a confused switch), but a
    snapshot races the events in flight, so absence alone proves nothing yet."""

    def __init__(self, board: Switchboard, maps: LegMaps, settings: DispatchSettings,
                 clock: Callable[[], float], post: Callable[..., Any]) -> None:
        self.board, self.maps, self.settings, self.clock, self.post = (
            board, maps, settings, clock, post)

    def snapshot(self) -> None:
        import gevent

        live: set[str] = set()
        asked_at = self.clock()
        for conn in list(self.board.switches.values()):
            if not conn.ready:
                return
            try:
                rows = json.loads(conn.api("show", "channels as json") or "{}").get("rows") or []
            except (CalldeskError, ValueError, AttributeError) as exc:
                log.warning("reconcile: show channels on %s failed: %s", conn.name, exc)
                return
            live.update(r.get("uuid", "") for r in rows)
        old = asked_at - self.settings.grace_s
        maps = self.maps
        refs = [*maps.callers.values(), *maps.agent_legs.values(), *maps.customers.values()]
        suspects = {r.uuid for r in refs if r.uuid not in live and r.at < old}
        suspects |= {u for u in maps.direct_of if u not in live}
        if suspects:
            delay = self.settings.settle_s / self.settings.time_scale
            gevent.spawn_later(delay, self._judge, suspects)

    def _judge(self, suspects: set[str]) -> None:
        """The suspects that no event has cleared since the snapshot."""
        still = frozenset(u for u in suspects if self.maps.known(u))
        if still:
            self.post(ReconcileAbsent(still))

"""Reconciliation: the ACD's view against the legs the switches really hold.

Runs every `reconcile_every_s` (then again on the legs a `show channels` snapshot lacked),
after every resync, and once after a restart (`recovery`).
Each mismatch becomes a `Repair`: a short text, the core event that fixes it, and maybe a leg
to hang up. The service logs and journals each one (`acd.repair`) and feeds the events.
Legs on a switch that is not ready are never judged: their state is unknown, not gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from calldesk.acd import events as ev
from calldesk.acd.interaction import InteractionState as S
from calldesk.dispatch.effects import Ring
from calldesk.dispatch.persist import LegRef


@dataclass(frozen=True)
class Repair:
    subject: str
    what: str
    event: Any = None
    data: dict[str, Any] = field(default_factory=dict)
    kill: LegRef | None = None
    bridge: tuple[LegRef, LegRef] | None = None


def reconcile(svc: Any, recovery: bool = False, absent: set[str] | None = None) -> list[Repair]:
    """`absent`: legs a `show channels` snapshot lacked and no event explained since."""
    absent = absent or set()
    acd, tracker = svc.acd, svc.board.tracker
    now, grace = svc.clock(), svc.settings.grace_s
    ready = {n for n, c in svc.board.switches.items() if c.ready}
    all_ready = len(ready) == len(svc.board.switches)

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

    out: list[Repair] = []
    for iid, it in list(acd.interactions.items()):
        if it.medium != "voice":
            continue
        caller = svc.callers.get(iid)
        if not it.callback_number and it.state in (S.WAITING, S.OFFERED, S.CONNECTED):
            if gone(caller):
                what = "caller leg gone" if caller else "no caller leg known"
                data = {"leg": caller.uuid if caller else None, "state": it.state.value}
                out.append(Repair(iid, what, ev.InteractionEnded(iid, "reconciled"), data))
                continue
        if it.state is S.CONNECTED and it.agent is not None:  # None: taken over, no agent leg
            oid = svc.talking.get(iid)
            agent_leg = svc.agent_legs.get(oid) if oid else None
            far = svc.customers.get(iid) if it.callback_number else caller
            if gone(agent_leg) or gone(far):
                data = {"agent": it.agent, "agent_leg": agent_leg.uuid if agent_leg else None}
                out.append(Repair(iid, "call legs gone", ev.InteractionEnded(iid, "reconciled"),
                                  data, kill=None if gone(far) else far))  # fmt: skip
            elif recovery and far is not None and agent_leg is not None:
                leg = tracker.legs.get(far.uuid)
                if leg is not None and leg.bridged_to != agent_leg.uuid:
                    out.append(Repair(iid, "answered but not bridged", None,
                                      {"agent": it.agent}, bridge=(far, agent_leg)))  # fmt: skip
        elif it.state is S.DIALING and recovery:
            oid = svc.talking.pop(iid, None)
            out.append(Repair(iid, "callback dial lost in restart",
                              ev.CallbackFailed(iid, "controller restart"), {"agent": it.agent},
                              kill=svc.agent_legs.get(oid) if oid else None))  # fmt: skip
    for oid, rec in list(acd.offers.items()):
        ring = svc.rings.get(oid)
        if ring is None:
            ring = svc.rings[oid] = Ring(oid, rec.interaction, rec.agent, False, orphan=True)
        if ring.pending or ring.cancelled:
            continue
        ref = svc.agent_legs.get(oid)
        if gone(ref):
            out.append(Repair(oid, "offer has no live agent leg",
                              ev.OfferLost(oid, "reconciled: agent leg gone"), {"agent": rec.agent}))  # fmt: skip
        elif ring.orphan and ref is not None:
            leg = tracker.legs.get(ref.uuid)
            if leg is not None and leg.status == "answered":
                ring.orphan = False
                out.append(Repair(oid, "agent answered while no one watched",
                                  ev.OfferAccepted(oid), {"agent": rec.agent}))  # fmt: skip
    if all_ready:
        out.extend(_direct_calls(svc, tracker, absent))
    return out


def _direct_calls(svc: Any, tracker: Any, absent: set[str]) -> list[Repair]:
    out: list[Repair] = []
    for a in svc.acd.agents.values():
        for call in sorted(a.direct):
            leg = tracker.legs.get(call)
            if leg is None or not leg.alive or call in absent:
                svc.direct_of.pop(call, None)
                out.append(Repair(a.id, "off-queue call leg gone",
                                  ev.AgentCallEnded(a.id, call), {"leg": call}))  # fmt: skip
    for leg in list(tracker.legs.values()):
        if leg.status != "answered" or not leg.alive or leg.uuid in svc.by_leg:
            continue
        agent = svc.direct_agent(leg)
        if agent is not None and leg.uuid not in svc.acd.agents[agent].direct:
            svc.direct_of[leg.uuid] = agent
            out.append(Repair(agent, "off-queue call found",
                              ev.DirectCallStarted(agent, leg.uuid), {"leg": leg.uuid}))  # fmt: skip
    return out

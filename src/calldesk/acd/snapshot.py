"""Snapshots of the ACD core: everything that affects its future decisions, as plain JSON.

`take(acd)` after any `handle_many` and `restore(fresh, snap)` on a core built from the same
configuration give a core whose every future decision equals the original's (the property test
in `tests/unit/acd/test_acd_snapshot.py` checks it). What is kept, and why:
- interactions in arrival order, with every runtime field (place, state, offers, callback,
  overflow step, sticky deadline, pull, moves);
- agents' presence, holdings (offers, live interactions, wrap-ups, off-queue calls), idle and
  state times, misses, cool-down, counters used by strategies;
- offers with their leases; the timer heap as it is (stale entries included, so timers due at
  the same instant still fire in the same order) and its counter;
- router state that is not derived: round-robin positions, paused queues, pins (in pin order),
  the open index in its order; the random generator's state;
- `now`, the arrival and offer counters, AHT estimates, each customer's last agent, and agents or
  interactions left pending for the next routing pass.
Waiting lists are rebuilt from the interactions that are waiting (their order is a pure function
of priority, arrival time and arrival number). The journal is not state: drain it before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from calldesk.acd.agents import AgentState
from calldesk.acd.interaction import Interaction, InteractionState

if TYPE_CHECKING:
    from calldesk.acd.core import Acd

VERSION = 1


class SnapshotError(ValueError):
    """A snapshot that cannot be restored into this core."""


def _token(t: object) -> object:
    return {"tuple": list(t)} if isinstance(t, tuple) else t


def _untoken(t: object) -> object:
    return tuple(t["tuple"]) if isinstance(t, dict) else t


def _interaction(it: Interaction) -> dict[str, Any]:
    return {
        "id": it.id,
        "queue": it.queue,
        "medium": it.medium,
        "arrived_at": it.arrived_at,
        "seq": it.seq,
        "priority": it.priority,
        "customer": it.customer,
        "skills": dict(it.skills),
        "data": it.data,
        "state": it.state.value,
        "step": it.step,
        "via": list(it.via),
        "dropped": sorted(it.dropped),
        "level_drop": it.level_drop,
        "sticky_agent": it.sticky_agent,
        "sticky_until": it.sticky_until,
        "callback_number": it.callback_number,
        "callback_attempts": it.callback_attempts,
        "offers": sorted(it.offers),
        "agent": it.agent,
        "answered_at": it.answered_at,
        "own_priority": it.own_priority,
        "moves": it.moves,
        "pulled_to": it.pulled_to,
        "notes": list(it.notes),
        "customer_ref": it.customer_ref,
    }


def _make_interaction(d: dict[str, Any]) -> Interaction:
    return Interaction(
        id=d["id"],
        queue=d["queue"],
        medium=d["medium"],
        arrived_at=d["arrived_at"],
        seq=d["seq"],
        priority=d["priority"],
        customer=d["customer"],
        skills=dict(d["skills"]),
        data=d["data"],
        state=InteractionState(d["state"]),
        step=d["step"],
        via=tuple(d["via"]),
        dropped=frozenset(d["dropped"]),
        level_drop=d["level_drop"],
        sticky_agent=d["sticky_agent"],
        sticky_until=d["sticky_until"],
        callback_number=d["callback_number"],
        callback_attempts=d["callback_attempts"],
        offers=set(d["offers"]),
        agent=d["agent"],
        answered_at=d["answered_at"],
        own_priority=d["own_priority"],
        moves=d["moves"],
        pulled_to=d["pulled_to"],
        notes=tuple(d.get("notes", ())),
        customer_ref=d.get("customer_ref", ""),  # snapshots before routing by context have none
    )


def take(acd: Acd) -> dict[str, Any]:
    """The core's state as a JSON-serialisable dict (see the module docstring)."""
    router = acd.router
    version, internal, gauss = router.rng.getstate()
    agents = {
        a.id: {
            "logged_in": a.logged_in,
            "ready": a.ready,
            "reason": a.reason,
            "offers": dict(a.offers),
            "active": dict(a.active),
            "wrapups": {i: list(w) for i, w in a.wrapups.items()},
            "direct": sorted(a.direct),
            "missed": a.missed,
            "cooldown_until": a.cooldown_until,
            "idle_since": a.idle_since,
            "state": a.state.value,
            "state_since": a.state_since,
            "handled": a.handled,
            "talk_s": a.talk_s,
            "wrap_s": a.wrap_s,
            "open": a.open,
        }
        for a in acd.agents.values()
    }
    # A pin whose interaction is gone would be dropped by the router at its next look.
    pins = {
        aid: [i for i, it in pinned.items() if acd.interactions.get(i) is it]
        for aid, pinned in router.pulled.items()
    }
    return {
        "version": VERSION,
        "now": acd.now,
        "seq": acd._seq,
        "offer_n": acd._offer_n,
        "aht": dict(acd.aht),
        "last_agent": dict(acd.last_agent),
        "interactions": [_interaction(it) for it in acd.interactions.values()],
        "agents": agents,
        "offers": [[o.id, o.agent, o.interaction, o.lease_until] for o in acd.offers.values()],
        "timers": {
            "n": acd.timers._n,
            "heap": [[at, n, k, s, _token(t)] for at, n, k, s, t in acd.timers._heap],
        },
        "router": {
            "last_rr": dict(router.last_rr),
            "paused": sorted(router.paused),
            "pulled": pins,
            "open": {q: list(members) for q, members in router.open.items() if members},
            "rng": [version, list(internal), gauss],
        },
        "pending": {
            "items": [it.id for it in acd._pend_items if acd.interactions.get(it.id) is it],
            "agents": list(acd._pend_agents),
        },
    }


def _missing(acd: Acd, snap: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Queues and agents the snapshot names that this core's configuration lacks."""
    queues: set[str] = set(snap["aht"]) | set(snap["router"]["last_rr"])
    queues |= set(snap["router"]["paused"]) | set(snap["router"]["open"])
    agents: set[str] = set(snap["agents"]) | set(snap["router"]["pulled"])
    agents |= set(snap["last_agent"].values()) | {o[1] for o in snap["offers"]}
    for d in snap["interactions"]:
        queues |= {d["queue"], *d["via"]}
        agents |= {a for a in (d["agent"], d["sticky_agent"], d["pulled_to"]) if a}
    for _, _, kind, subject, _ in snap["timers"]["heap"]:
        if kind == "cooldown":
            agents.add(subject)
        elif kind == "wrap":
            agents.add(subject.split("\0", 1)[0])
    for members in snap["router"]["open"].values():
        agents |= set(members)
    return queues - set(acd.queues), agents - set(acd.agents)


def restore(acd: Acd, snap: dict[str, Any]) -> None:
    """Load `snap` into `acd`, a fresh core built from the same configuration."""
    if snap.get("version") != VERSION:
        raise SnapshotError(f"ACD snapshot version {snap.get('version')!r}, expected {VERSION}")
    if acd.now or acd._seq or acd.interactions or acd.offers or len(acd.timers):
        raise SnapshotError("an ACD snapshot can only be restored into a fresh core")
    if any(a.logged_in or a.state is not AgentState.LOGGED_OUT for a in acd.agents.values()):
        raise SnapshotError("an ACD snapshot can only be restored into a fresh core")
    queues, agents = _missing(acd, snap)
    if queues or agents:
        parts = [
            f"queues {sorted(queues)}" if queues else "",
            f"agents {sorted(agents)}" if agents else "",
        ]
        raise SnapshotError(
            "the ACD snapshot names what the configuration no longer has: "
            + ", ".join(p for p in parts if p)
        )
    router = acd.router
    acd.now, acd._seq, acd._offer_n = snap["now"], snap["seq"], snap["offer_n"]
    acd.aht.update(snap["aht"])
    acd.last_agent = dict(snap["last_agent"])
    for d in snap["interactions"]:
        it = _make_interaction(d)
        acd.interactions[it.id] = it
        if it.state is InteractionState.WAITING:
            router.list_waiting(it)
    for aid, d in snap["agents"].items():
        a = acd.agents[aid]
        a.logged_in, a.ready, a.reason = d["logged_in"], d["ready"], d["reason"]
        a.offers, a.active, a.direct = dict(d["offers"]), dict(d["active"]), set(d["direct"])
        a.wrapups = {i: (w[0], w[1], w[2]) for i, w in d["wrapups"].items()}
        a.missed, a.cooldown_until, a.idle_since = d["missed"], d["cooldown_until"], d["idle_since"]
        a.state, a.state_since = AgentState(d["state"]), d["state_since"]
        a.handled, a.talk_s, a.wrap_s, a.open = d["handled"], d["talk_s"], d["wrap_s"], d["open"]
    from calldesk.acd.core import OfferRecord  # here: core imports this module

    for oid, agent, iid, until in snap["offers"]:
        acd.offers[oid] = OfferRecord(oid, agent, iid, until)
    acd.timers._n = snap["timers"]["n"]
    acd.timers._heap = [(at, n, k, s, _untoken(t)) for at, n, k, s, t in snap["timers"]["heap"]]
    r = snap["router"]
    router.last_rr.update(r["last_rr"])
    router.paused = set(r["paused"])
    router.pulled = {aid: {i: acd.interactions[i] for i in ids} for aid, ids in r["pulled"].items()}
    for q, members in r["open"].items():
        router.open[q] = {aid: acd.agents[aid] for aid in members}
    router.eligible_sets.clear()  # rebuilt from the restored open index on first use
    version, internal, gauss = r["rng"]
    router.rng.setstate((version, tuple(internal), gauss))
    acd._pend_items = [acd.interactions[i] for i in snap["pending"]["items"]]
    acd._pend_agents = {aid: acd.agents[aid] for aid in snap["pending"]["agents"]}

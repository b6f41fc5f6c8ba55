"""Builds the campaign runner `calldesk serve` runs (called by the composition root): the
campaigns of calldesk.yaml checked against the trunks' numbers and the loaded flows, each with
its ports (the trunks' dialer, the engine, the ledger, the leg operations)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gevent

from calldesk.dialer.adapter import Ports
from calldesk.dialer.config import Campaign, parse_campaigns
from calldesk.dialer.events import InboundLoad
from calldesk.dialer.legs import LegPorts
from calldesk.dialer.runner import TICK_S, CampaignRunner
from calldesk.dialer.store import DialerStore
from calldesk.dispatch.controls import acd_config


def members_of(campaigns: Sequence[Campaign], config_data: Any) -> dict[str, set[str]]:
    """campaign -> its agents: those it names, and those of its queue."""
    agents = acd_config(config_data).agents
    return {
        c.name: set(c.agents) | {a.id for a in agents if c.queue and c.queue in a.queues}
        for c in campaigns
    }


def limits_of(
    campaigns: Sequence[Campaign], trunks: Sequence[Any], config_data: Any
) -> dict[str, tuple[int, int]]:
    """campaign -> (legs its trunks carry: the pinned trunk's `max_legs`, else all trunks'
    together; attempts per pacing decision: `freeswitch.sessions_per_second` over one loop)."""
    fs = config_data.get("freeswitch") or {}
    sps = fs.get("sessions_per_second") if isinstance(fs, dict) else None
    per_tick = max(1, int(sps * TICK_S)) if isinstance(sps, int) and sps > 0 else 10_000
    legs = {t.name: int(t.max_legs) for t in trunks}
    return {
        c.name: (legs.get(c.trunk, 0) if c.trunk else sum(legs.values()) or 10_000, per_tick)
        for c in campaigns
    }


def inbound_load(view: Any, queues: set[str], sl_s: float, now: float) -> InboundLoad:
    """What inbound leaves the campaign's agents: callers waiting in their other queues (not
    the dialer's own answers) and the longest wait, against the tightest SL target."""
    waits = [
        now - it.arrived_at
        for it in view.interactions()
        if it.state == "waiting" and it.queue in queues and not it.id.startswith("out-")
    ]
    return InboundLoad(len(waits), max(waits, default=0.0), sl_s)


def build_runner(
    config: Any,
    *,
    store: Any,
    trunks: Sequence[Any],
    dialer: Any,
    board: Any,
    ivr: Any,
    engine: Any,
    clock: Callable[[], float],
    time_scale: float,
) -> CampaignRunner | None:
    """None without trunks (nothing to dial through) or without campaigns. A campaign whose
    caller ID, trunk, flow or window is invalid raises ConfigError naming the key."""
    if dialer is None or not config["campaigns"]:
        return None
    campaigns = parse_campaigns(
        config["campaigns"],
        trunk_dids={t.name: {d.number for d in t.dids} for t in trunks},
        known_flows=set(ivr.library.names()),
        source=config.source,
    )
    dstore = DialerStore(store)
    legs = LegPorts(board, ivr, engine, clock, time_scale)

    acd = acd_config(config.data)
    sl = {q.name: float(q.sl_seconds) for q in acd.queues}

    def blended(c: Campaign) -> Callable[[], InboundLoad]:
        """Blending: the campaign's agents' inbound queues (other than its own) come first."""
        queues = {q for a in acd.agents if a.id in members[c.name] for q in a.queues} - {c.queue}
        target = min((sl[q] for q in queues if q in sl), default=20.0)
        return lambda: inbound_load(engine.view, queues, target, clock())

    def ports(c: Campaign) -> Ports:
        return Ports(
            dialer=dialer,
            acd=engine,
            ledger=dstore.record_attempt,
            journal=store.journal,
            clock=clock,
            spawn=gevent.spawn,
            safe_harbour=legs.safe_harbour,
            later=lambda s, f: gevent.spawn_later(s / time_scale, f),
            legs=legs,
            source=store.journal,
            inbound=blended(c),
        )

    members = members_of(campaigns, config.data)
    runner = CampaignRunner(
        campaigns,
        dstore,
        store.journal,
        ports,
        members,
        clock,
        time_scale,
        limits=limits_of(campaigns, trunks, config.data),
    )
    runner.legs = legs  # its `on_event` is subscribed to the switches by the composition root
    return runner

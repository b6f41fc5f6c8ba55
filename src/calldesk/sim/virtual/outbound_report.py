"""The outbound report: the run's figures beside its yardsticks (Erlang-B floor, baseline,
progressive), all on the same scenario."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from calldesk.sim.virtual.erlang import erlang_b_floor_occupancy
from calldesk.sim.virtual.outbound import OutboundResult, simulate_outbound
from calldesk.sim.virtual.outbound_model import OutboundScenario


def figures(r: OutboundResult) -> dict[str, Any]:
    sc = r.scenario
    agent_hours = sc.agents * sc.hours * sc.days
    day_rates = [round(d.rate(), 5) for d in r.days]
    return {
        "occupancy": r.busy_s / (agent_hours * 3600) if agent_hours else 0.0,
        "contacts_per_agent_hour": r.contacts / agent_hours if agent_hours else 0.0,
        "abandon_rate": r.drops / r.answers if r.answers else 0.0,
        "abandon_rate_by_day": day_rates,
        "max_day_abandon_rate": max(day_rates) if day_rates else 0.0,
        "wait_for_agent_s": r.wait_total_s / r.connected if r.connected else 0.0,
        "wait_for_agent_max_s": r.wait_max_s,
        "attempts": r.attempts,
        "answers": r.answers,
        "abandoned": r.drops,
        "live_answers": r.live_answers,
        "contacts": r.contacts,
        "machines": r.machines,
        "machines_detected": r.machines_detected,
        "amd_false_positives": r.amd_false_positives,
        "inbound": {
            "offered": r.inbound_offered,
            "answered": r.inbound_answered,
            "abandoned": r.inbound_abandoned,
        },
        "decisions": r.decisions,
    }


def run(sc: OutboundScenario, yardsticks: bool = True) -> dict[str, Any]:
    """The JSON object of `calldesk simulate --outbound`."""
    started = time.perf_counter()
    result = simulate_outbound(sc)
    out = figures(result)
    out["mode"] = sc.mode
    out["erlang_b_floor_occupancy"] = erlang_b_floor_occupancy(sc.agents, sc.abandon_cap)
    out["erlang_b_floor_occupancy_at_measured"] = (
        erlang_b_floor_occupancy(sc.agents, out["abandon_rate"]) if out["abandon_rate"] else 0.0
    )
    out["sample_decisions"] = result.sample_decisions
    attempts = result.attempts
    if yardsticks:
        for mode in ("baseline", "progressive"):
            other = out if mode == sc.mode else figures(simulate_outbound(sc.replace(mode=mode)))
            attempts += 0 if mode == sc.mode else other["attempts"]
            out[f"{mode}_occupancy"] = other["occupancy"]
            out[f"{mode}_abandon_rate"] = other["abandon_rate"]
            out[f"{mode}_contacts_per_agent_hour"] = other["contacts_per_agent_hour"]
    elapsed = time.perf_counter() - started
    out["elapsed_s"] = elapsed
    out["calls_per_s"] = attempts / elapsed if elapsed > 0 else 0.0
    out["inputs"] = asdict(sc)
    return out

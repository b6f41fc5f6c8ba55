"""The outbound yardstick of issue 16, on the exact scenarios below: predictive pacing against
the Erlang-B floor, the VICIdial-style baseline and progressive, at a 3% abandon cap.

Goal: predictive occupancy >= Erlang-B floor + 0.05 at 20 and at 100 agents, with the abandon
rate <= 0.03 on every simulated day. Same as `calldesk simulate --outbound ... --json`.

    .venv/bin/python scripts/bench/bench_dialer_outbound.py [--days 5] [--seeds 1,2,3] [--quick]
"""

import argparse
import json

from calldesk.sim.virtual.outbound_model import OutboundScenario
from calldesk.sim.virtual.outbound_report import run

# connect rate 30%, talk 120 s mean, 3% cap: the figures; the rest are the defaults
SCENARIOS = {
    "20 agents": {"agents": 20},
    "100 agents": {"agents": 100},
    "20 agents, exponential talk": {"agents": 20, "talk_dist": "exponential"},
    "20 agents, AMD on (1% false positives)": {"agents": 20, "amd": True,
                                               "amd_false_positive": 0.01},
    "20 agents, blended (100 inbound/h)": {"agents": 20, "inbound_per_hour": 100},
}  # fmt: skip
COMMON = {"connect_rate": 0.30, "talk_s": 120.0, "abandon_cap": 0.03, "hours": 8.0}

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--days", type=int, default=5)
    p.add_argument("--seeds", default="1")
    p.add_argument("--quick", action="store_true", help="only the two scenarios of the goal")
    a = p.parse_args()
    rows = []
    for name, kw in SCENARIOS.items():
        if a.quick and name not in ("20 agents", "100 agents"):
            continue
        for seed in (int(s) for s in a.seeds.split(",")):
            sc = OutboundScenario(**{**COMMON, **kw, "days": a.days, "seed": seed})
            out = run(sc)
            row = {
                "scenario": name,
                "seed": seed,
                **{k: round(out[k], 4) for k in (
                    "occupancy", "erlang_b_floor_occupancy", "baseline_occupancy",
                    "progressive_occupancy", "abandon_rate", "max_day_abandon_rate",
                    "baseline_abandon_rate", "contacts_per_agent_hour", "wait_for_agent_s",
                    "elapsed_s")},  # fmt: skip
            }
            row["goal_met"] = (
                out["occupancy"] >= out["erlang_b_floor_occupancy"] + 0.05
                and out["max_day_abandon_rate"] <= sc.abandon_cap
            )
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"goal met in {sum(r['goal_met'] for r in rows)} of {len(rows)} runs")

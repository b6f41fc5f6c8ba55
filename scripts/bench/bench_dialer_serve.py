"""The dialer inside the controller `calldesk serve` builds, on the simulated switch over TCP:
callees drawn at rates (`calldesk.sim.callees`), AMD on the answered legs (detect_audio /
detect_silence, and mod_avmd's beep), agents taking the answers. Prints per policy: attempts,
outcomes, AMD's false positives (people called machines) and false negatives, the abandon
rate, the wall and CPU time.

    python scripts/bench/bench_dialer_serve.py [--contacts 100] [--agents 3] [--scale 5] [--json]

Timing figures are upper bounds on a shared box (ESL round trips take wall time, which the
time scale turns into simulated time: a high scale makes AMD hear late)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo's tests helpers

from tests.integration.dialer.serve_env import GW, campaign, serve_env  # noqa: E402
from tests.integration.dispatch.helpers import wait_for  # noqa: E402

from calldesk.dialer.compliance import report  # noqa: E402
from calldesk.sim.callees import CalleePool  # noqa: E402


def run(policy: str, contacts: int, agents: int, scale: float, seed: int) -> dict:
    numbers = [f"+1212555{i:04d}" for i in range(1000, 1000 + contacts)]
    names = tuple(f"a{i}" for i in (1, 2))[:agents]
    camp = campaign("bench", "predictive", amd=True, avmd=True, safe_harbour_from=policy)
    with tempfile.TemporaryDirectory() as tmp, serve_env(
        Path(tmp), [camp], {"bench": [(n, None) for n in numbers]}, names, scale=scale
    ) as env:
        pool = CalleePool(GW, answer=0.3, machine=0.15, busy=0.08, fail=0.04,
                          answer_after_s=4.0, talk_s=30.0, seed=seed)
        env.sim.add_callees(pool)
        wall, cpu = time.monotonic(), time.process_time()
        for a in names:
            env.ctl.services.agents.login(env.ctl.services.user(a), a, True)
        wait_for(lambda: len(env.ledger("bench")) >= contacts, timeout=3600, what="all dialled")
        wall, cpu = time.monotonic() - wall, time.process_time() - cpu
        rows = env.ledger("bench")
        truth = {n: pool.drawn[GW + n].kind for n in numbers}
        people = [r for n, r in rows.items() if truth[n] == "answer"]
        machines = [r for n, r in rows.items() if truth[n] == "machine"]
        rep = report("bench", env.dstore.ledger("bench", 0, 4e9), 0, 4e9)
        outcomes: dict[str, int] = {}
        for r in rows.values():
            outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
        return {
            "policy": policy,
            "attempts": len(rows),
            "outcomes": outcomes,
            "people": len(people),
            "machines": len(machines),
            "amd_false_positive": sum(r["amd"] == "machine" for r in people) / max(1, len(people)),
            "amd_false_negative": sum(r["amd"] == "human" for r in machines) / max(1, len(machines)),
            "machines_to_agent": sum(bool(r["agent"]) for r in machines),
            "abandon_rate": rep.abandon_rate,
            "violations": sum(len(v) for v in rep.violations.values()),
            "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1),
        }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=100)
    ap.add_argument("--agents", type=int, default=2, choices=(1, 2))
    ap.add_argument("--scale", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    results = [run(p, a.contacts, a.agents, a.scale, a.seed) for p in ("answer", "greeting_end")]
    if a.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(f"{r['policy']:>13}: {r['attempts']} attempts {r['outcomes']}, people {r['people']}, "
              f"machines {r['machines']} ({r['machines_to_agent']} to an agent), AMD FP {r['amd_false_positive']:.1%} "
              f"FN {r['amd_false_negative']:.1%}, abandon {r['abandon_rate']:.1%}, "
              f"violations {r['violations']}, wall {r['wall_s']} s, CPU {r['cpu_s']} s")


if __name__ == "__main__":
    main()

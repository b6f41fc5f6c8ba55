"""End to end over real TCP against the simulated switch (in its own process): calls/s through
enqueue -> offer -> originate -> bridge, and p99 from enqueue (agent free) to originate and to
bridge; every call placed accounted for (unbridged, lost, stuck). Same as `calldesk bench acd`.

    .venv/bin/python scripts/bench/bench_acd_e2e.py [--rate 100] [--seconds 60] [--agents N]
"""

import argparse
import json

from calldesk.bench.acd import run

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--rate", type=float, default=100.0)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--agents", type=int, default=None, help="default: sized from the rate")
    p.add_argument("--talk", type=float, default=1.0, help="seconds each agent talks")
    a = p.parse_args()
    print(json.dumps(run(rate=a.rate, seconds=a.seconds, agents=a.agents, talk_s=a.talk), indent=1))

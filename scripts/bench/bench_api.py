"""The HTTP API and push under call load; same as `calldesk bench api`.

    .venv/bin/python scripts/bench/bench_api.py [--rate 50] [--seconds 20] [--agents 200]
"""

import argparse
import json

from calldesk.bench.api import run

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--rate", type=float, default=50.0)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--agents", type=int, default=200)
    p.add_argument("--rps", type=float, default=200.0)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    result = run(rounds=a.rounds, rate=a.rate, seconds=a.seconds, agents=a.agents, rps=a.rps)
    print(json.dumps(result, indent=1))

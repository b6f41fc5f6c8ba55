"""Routing decision cost in the pure ACD core. Same as `calldesk bench routing` (the code lives
in calldesk/bench/routing.py).

Run: .venv/bin/python scripts/bench/bench_routing.py [--decisions 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json

from calldesk.bench.routing import run

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--decisions", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(json.dumps(run(args.decisions, args.seed), indent=1))

"""Controller event intake over TCP from the simulated switch. Same as `calldesk bench intake`.

Run: .venv/bin/python scripts/bench/bench_intake.py [--rate 5000] [--seconds 30] [--legs 100]
"""

import argparse
import json

from calldesk.bench.intake import run

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=5000.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--legs", type=int, default=100)
    a = ap.parse_args()
    print(json.dumps(run(rate=a.rate, seconds=a.seconds, legs=a.legs)))

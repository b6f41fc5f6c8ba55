"""Large virtual-time runs of the ACD core against Erlang A, and simulated calls per second.

Run: .venv/bin/python scripts/bench/bench_capacity.py [--calls 300000] [--seed 1]
"""

from __future__ import annotations

import argparse
import time

from calldesk.sim.virtual import erlang_a, erlang_c, simulate, single_queue

# (agents, calls per hour, AHT s, mean patience s): light, QED-like, overloaded, large centre
CASES = [(10, 100, 300, 120), (5, 100, 180, 60), (50, 900, 180, 300), (200, 3600, 190, 90)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=300000, help="simulated calls per case")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sl-seconds", type=float, default=20.0)
    args = ap.parse_args()
    t_sl = args.sl_seconds
    head = f"{'N':>4}{'calls/h':>8}{'AHT':>5}{'pat':>5}  {'figure':14}{'sim':>9}{'Erlang A':>10}{'Erlang C':>10}"
    print(head)
    total_calls, total_s = 0, 0.0
    for n, cph, aht, pat in CASES:
        hours = args.calls / cph
        t0 = time.perf_counter()
        r = simulate(single_queue(n, cph, aht, pat, hours, t_sl, args.seed))
        dt = time.perf_counter() - t0
        f = r.total.figures(n, r.horizon_s)
        a, c = erlang_a(n, cph, aht, pat, t_sl), erlang_c(n, cph, aht, t_sl)
        total_calls += f["offered"]
        total_s += dt
        for i, (label, key) in enumerate(
            (("service level", "service_level"), ("abandon rate", "abandon_rate"),
             ("ASA s", "asa_s"), ("occupancy", "occupancy"))
        ):  # fmt: skip
            lead = f"{n:>4}{cph:>8}{aht:>5}{pat:>5}" if i == 0 else " " * 22
            cv = getattr(c, key)
            cs = "inf" if cv is None else f"{cv:.4f}"
            print(f"{lead}  {label:14}{f[key]:9.4f}{getattr(a, key):10.4f}{cs:>10}")
        print(f"{'':22}  {f['offered']} calls in {dt:.1f} s = {f['offered'] / dt:,.0f} calls/s\n")
    print(f"overall: {total_calls} simulated calls in {total_s:.1f} s = "
          f"{total_calls / total_s:,.0f} calls/s")  # fmt: skip


if __name__ == "__main__":
    main()

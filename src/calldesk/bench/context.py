"""`calldesk bench context`: identity lookup + screen-pop context assembly, and a day report.

The data set (`calldesk.bench.context_data`) is generated into a temporary SQLite store that is
deleted afterwards (nothing is shipped): customers with a phone, an email and a verified
account; interactions over 90 days, each leaving the journal entries the product writes for it,
attached to their customers; one day holding `day_interactions` of them. The store is then
opened as the product opens it, the report's facts are folded from the whole journal once
(`report_facts_fold_s`, what `calldesk report rebuild` costs) and the file is read through once
(a running controller's store sits in the OS page cache). Pops are timed for callers who called
before; the day report is timed on the facts (each round also catching up with the journal).
Goals: screen pop p99 < 5 ms with 1M customers and 10M journal events; a day report of 100,000
interactions < 2 s.
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from calldesk.bench.context_data import DAY, _interaction, generate, phone
from calldesk.customers.contexts import SqliteContexts
from calldesk.customers.identity import identity
from calldesk.customers.screenpop import assemble
from calldesk.customers.service import CustomerService
from calldesk.reports.source import Facts, interval_report
from calldesk.store import Store

RUSAGE_THREAD = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)  # Linux: this thread
__all__ = ["_interaction", "generate", "measure_pops", "run"]


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure_pops(
    store: Store, callers: Sequence[int], lookups: int, seed: int = 11
) -> dict[str, Any]:
    """Wall time of `assemble` per pop (the product path, nothing else inside the timed span);
    around it, the thread's CPU time and context switches (getrusage), so the tail can be
    told apart: switched out by the scheduler (a busy box) or blocked (waiting on a read)."""
    rnd = random.Random(seed)
    service = CustomerService(store)
    contexts = SqliteContexts(store)
    times, cpu, quiet = [], [], []
    preempted = blocked = 0
    for k in range(lookups):
        c = rnd.choice(callers)
        r0, tc = resource.getrusage(RUSAGE_THREAD), time.thread_time()
        t = time.perf_counter()
        ident = identity("phone", phone(c))  # as the caller ID arrives
        pop = assemble(service, contexts, f"new-{k}", [ident], [phone(c)])
        wall = (time.perf_counter() - t) * 1000
        cpu.append((time.thread_time() - tc) * 1000)  # without time spent switched out
        r1 = resource.getrusage(RUSAGE_THREAD)
        times.append(wall)
        out, waited = r1.ru_nivcsw - r0.ru_nivcsw, r1.ru_nvcsw - r0.ru_nvcsw
        preempted += out > 0
        blocked += waited > 0
        if not out and not waited:
            quiet.append(wall)
        assert pop["customer"] is not None
    return {
        "screen_pop_p50_ms": round(_pct(times, 50), 3),
        "screen_pop_p99_ms": round(_pct(times, 99), 3),
        "screen_pop_max_ms": round(max(times), 3),
        "screen_pop_cpu_p99_ms": round(_pct(cpu, 99), 3),
        "screen_pop_unswitched_p99_ms": round(_pct(quiet, 99), 3) if quiet else None,
        "screen_pop_preempted": preempted,
        "screen_pop_blocked": blocked,
        "lookups": lookups,
    }


def _read_through(path: Path) -> float:
    """Read the store file once, sequentially (untimed for the pops): a running controller's
    store sits in the OS page cache, so a pop never waits on the disk for a page."""
    t = time.perf_counter()
    with open(path, "rb") as f:
        while f.read(8 << 20):
            pass
    return time.perf_counter() - t


def run(
    customers: int = 1_000_000,
    events: int = 10_000_000,
    day_interactions: int = 100_000,
    lookups: int = 2000,
    rounds: int = 3,
    directory: str | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="calldesk-bench-context-", dir=directory) as tmp:
        path = Path(tmp) / "bench.sqlite"
        store = Store.open(path)
        t = time.perf_counter()
        made = generate(store, customers, events, day_interactions, say=say)
        store.close()
        gen_s = time.perf_counter() - t
        store = Store.open(path)  # what the product opens: its pragmas, cache and memory map
        t = time.perf_counter()
        Facts(store).rebuild()  # the journal folded into per-interaction facts, once
        fold_s = time.perf_counter() - t
        say(f"report facts folded in {fold_s:.1f} s")
        callers = made.pop("callers")
        warm_s = _read_through(path)
        load = [os.getloadavg()[0]]
        # a running controller has the B-trees' upper pages in its cache: one untimed pass first
        measure_pops(store, callers, min(500, lookups), seed=7)
        pops = [measure_pops(store, callers, lookups, seed=11 + r) for r in range(rounds)]
        load.append(os.getloadavg()[0])
        days, days_cpu = [], []
        for _ in range(rounds):
            t, tc = time.perf_counter(), time.process_time()
            rows = interval_report(
                store, made["day"], made["day"] + DAY, 900.0, ("queue", "medium")
            )
            days.append(time.perf_counter() - t)
            days_cpu.append(time.process_time() - tc)
        load.append(os.getloadavg()[0])
        offered = sum(r["offered"] for r in rows)
        size = (Path(tmp) / "bench.sqlite").stat().st_size
        store.close()
    return {
        **{k: v for k, v in made.items() if k != "day"},
        "db_mb": round(size / 1e6, 1),
        "generate_s": round(gen_s, 1),
        "screen_pop_p99_ms": statistics.median(p["screen_pop_p99_ms"] for p in pops),
        "screen_pop_p50_ms": statistics.median(p["screen_pop_p50_ms"] for p in pops),
        "screen_pop_rounds_p99_ms": [p["screen_pop_p99_ms"] for p in pops],
        "screen_pop_cpu_p99_ms": statistics.median(p["screen_pop_cpu_p99_ms"] for p in pops),
        "screen_pop_unswitched_p99_ms": statistics.median(
            p["screen_pop_unswitched_p99_ms"] or 0.0 for p in pops
        ),
        "screen_pop_preempted_per_round": [p["screen_pop_preempted"] for p in pops],
        "screen_pop_blocked_per_round": [p["screen_pop_blocked"] for p in pops],
        "report_day_s": round(statistics.median(days), 3),
        "report_day_cpu_s": round(statistics.median(days_cpu), 3),
        "report_facts_fold_s": round(fold_s, 1),
        "store_read_through_s": round(warm_s, 1),
        "report_day_rounds_s": [round(d, 3) for d in days],
        "report_day_interactions": offered,
        "rounds": rounds,
        "lookups_per_round": lookups,
        "load_avg_1m": [round(x, 2) for x in load],  # before the pops, after them, at the end
    }

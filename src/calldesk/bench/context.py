"""`calldesk bench context`: identity lookup + screen-pop context assembly, and a day report.

The data set is generated here, into a temporary SQLite store that is deleted afterwards
(nothing is shipped): customers with a phone, an email and a verified account; interactions
spread over 90 days, each leaving the journal entries the IVR and the ACD leave (IVR finish,
arrival, offer, answer, end, wrap-up; some abandon), attached to their customers; and one day
holding `day_interactions` of them for the report. The report's facts are folded from the whole
journal once (`report_facts_fold_s`, what `calldesk report rebuild` costs), then the day report
is timed on top of them (`report_day_s`, each round also catching up with the journal). Goals: screen pop p99 < 5 ms with 1M
customers and 10M journal events; a day report of 100,000 interactions < 2 s.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from calldesk.customers.contexts import SqliteContexts
from calldesk.customers.identity import identity
from calldesk.customers.screenpop import assemble
from calldesk.customers.service import CustomerService
from calldesk.reports.source import Facts, interval_report
from calldesk.store import Store

RUSAGE_THREAD = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)  # Linux: this thread

DAY = 86400.0
T0 = 1_760_000_000.0  # the first day of the generated period
QUEUES = ("billing", "sales", "support", "vip")
MEDIA = ("voice", "voice", "voice", "chat", "sms", "email")
EVENTS_PER = 6.68  # journal entries per interaction: 7 answered, 3 for the 8 % abandoned


def phone(i: int) -> str:
    return f"+1202{i:07d}"


def generate(
    store: Store,
    customers: int,
    events: int,
    day_interactions: int,
    seed: int = 7,
    say: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    rnd = random.Random(seed)
    db = store.db
    t = time.perf_counter()
    batch = 50_000
    for lo in range(0, customers, batch):
        with db.conn:
            db.execute("BEGIN")
            hi = min(lo + batch, customers)
            db.conn.executemany(
                "INSERT INTO customers (id, name, fields, created_at, updated_at) VALUES (?,?,?,?,?)",
                [
                    (
                        f"cu-{i:08d}",
                        f"Customer {i}",
                        '{"tier": "%s"}' % ("gold" if i % 50 == 0 else "std"),
                        T0,
                        T0,
                    )
                    for i in range(lo, hi)
                ],
            )
            db.conn.executemany(
                "INSERT INTO customer_identities (kind, value, customer, verified, source, added_at) "
                "VALUES (?,?,?,?,?,?)",
                [
                    row
                    for i in range(lo, hi)
                    for row in (
                        ("phone", phone(i), f"cu-{i:08d}", 0, "gen", T0),
                        ("email", f"c{i}@example.com", f"cu-{i:08d}", 0, "gen", T0),
                        ("account", f"A{i:08d}", f"cu-{i:08d}", 1, "gen", T0),
                    )
                ],
            )
    say(f"{customers:,} customers in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    total = max(int(events / EVENTS_PER), day_interactions)
    day0 = T0 + 45 * DAY  # the report's day, in the middle of the period
    written = 0
    n = 0
    while n < total:  # one transaction per batch: the WAL checkpoints as it goes
        with db.conn:
            db.execute("BEGIN")
            journal, links = [], []
            for _ in range(min(int(batch / EVENTS_PER), total - n)):
                on_day = n < day_interactions
                at = day0 + rnd.random() * DAY if on_day else T0 + rnd.random() * 90 * DAY
                c = rnd.randrange(customers)
                journal += _interaction(rnd, f"ix-{n:09d}", at, c)
                links.append((f"ix-{n:09d}", f"cu-{c:08d}", MEDIA[n % len(MEDIA)], at, "phone", 0))
                n += 1
            db.conn.executemany(
                "INSERT INTO journal (at, kind, subject, data) VALUES (?,?,?,?)", journal
            )
            db.conn.executemany(
                "INSERT INTO customer_interactions (interaction, customer, medium, at, identity, "
                "verified) VALUES (?,?,?,?,?,?)",
                links,
            )
            written += len(journal)
    say(f"{n:,} interactions, {written:,} journal events in {time.perf_counter() - t:.1f} s")
    db.execute("ANALYZE")
    return {"customers": customers, "interactions": n, "events": written, "day": day0}


def _interaction(rnd: random.Random, iid: str, at: float, c: int) -> list[tuple]:
    q = QUEUES[c % len(QUEUES)]
    medium = MEDIA[int(at) % len(MEDIA)]
    agent = f"a{rnd.randrange(200)}"
    wait = rnd.random() * 60
    ivr = json.dumps(
        {
            "flow": "main",
            "step": "to_queue",
            "status": "enqueued",
            "variables": {"intent": q, "identity_account": f"A{c:08d}"},
        }
    )
    rows = [
        (at, "ivr.finished", iid, ivr),
        (
            at,
            "interaction.arrived",
            iid,
            f'{{"customer": "{phone(c)}", "medium": "{medium}", "queue": "{q}"}}',
        ),
    ]
    if rnd.random() < 0.08:
        return rows + [
            (
                at + wait,
                "interaction.abandoned",
                iid,
                f'{{"cause": "caller hung up", "medium": "{medium}", "queue": "{q}", "wait": {wait:.1f}}}',
            )
        ]
    talk = 30 + rnd.random() * 400
    end = at + wait + talk
    return rows + [
        (at + wait - 1, "interaction.offered", iid, f'{{"agent": "{agent}", "queue": "{q}"}}'),
        (
            at + wait,
            "interaction.answered",
            iid,
            f'{{"agent": "{agent}", "medium": "{medium}", "queue": "{q}", "wait": {wait:.1f}}}',
        ),
        (
            end,
            "interaction.ended",
            iid,
            f'{{"agent": "{agent}", "cause": "hangup", "queue": "{q}", "talk": {talk:.1f}}}',
        ),
        (end + 20, "agent.wrapup", agent, f'{{"duration": 20.0, "interaction": "{iid}"}}'),
        (end + 21, "api.wrapup", agent, '{"by": "x", "disposition": "resolved", "notes": ""}'),
    ]


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure_pops(store: Store, customers: int, lookups: int, seed: int = 11) -> dict[str, Any]:
    """Wall time of `assemble` per pop (the product path, nothing else inside the timed span);
    around it, the thread's CPU time and context switches (getrusage), so the tail can be
    told apart: switched out by the scheduler (a busy box) or blocked (waiting on a read)."""
    rnd = random.Random(seed)
    service = CustomerService(store)
    contexts = SqliteContexts(store)
    times, cpu, quiet = [], [], []
    preempted = blocked = 0
    for k in range(lookups):
        c = rnd.randrange(customers)
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
        store = Store.open(Path(tmp) / "bench.sqlite")
        t = time.perf_counter()
        made = generate(store, customers, events, day_interactions, say=say)
        gen_s = time.perf_counter() - t
        # a running controller has the B-trees' upper pages in its cache: one untimed pass first
        measure_pops(store, customers, min(500, lookups), seed=7)
        pops = [measure_pops(store, customers, lookups, seed=11 + r) for r in range(rounds)]
        t = time.perf_counter()
        Facts(store).rebuild()  # the journal folded into per-interaction facts, once
        fold_s = time.perf_counter() - t
        days, days_cpu = [], []
        for _ in range(rounds):
            t, tc = time.perf_counter(), time.process_time()
            rows = interval_report(
                store, made["day"], made["day"] + DAY, 900.0, ("queue", "medium")
            )
            days.append(time.perf_counter() - t)
            days_cpu.append(time.process_time() - tc)
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
        "report_day_rounds_s": [round(d, 3) for d in days],
        "report_day_interactions": offered,
        "rounds": rounds,
        "lookups_per_round": lookups,
    }

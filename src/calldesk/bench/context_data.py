"""The data set of `calldesk bench context`, generated fast and shaped like the product's own.

Customers hold a phone (unverified), an email (unverified) and an account (verified). Each
interaction leaves the journal entries the product writes for it (read off a real call on the
simulated switch, `tests/integration/e2e/test_customer_journey.py`): the IVR's started / step /
finished, the legs (voice) or the messages (chat, SMS, email), arrival, offer with its "why",
`customer.attached`, answer, the `screen_pop` with its context, bridge, end, the agent's states,
its wrap-up and the API's disposition; an abandoned one stops at `interaction.abandoned`. Rows
are written in time order (as the product appends them), interactions arrive in time order and
agents take them when free (a heap of agents by the time they are free), so ids, pages and the
agents' entries sit where the product would put them.

Speed (the old generator took 29 min at full scale): rows are built from preformatted JSON
templates (the same text `json.dumps(..., sort_keys=True)` gives), written with `executemany` in
big transactions with `journal_mode=OFF, synchronous=OFF`, and the secondary indexes are dropped
before the load and created again after it from their own SQL, so the store ends up with exactly
the product's schema, indexes and pragmas (the caller reopens it with `Store.open`). No ANALYZE:
the product never runs one, so the planner sees what it sees in production.
"""

from __future__ import annotations

import bisect
import heapq
import json
import random
import re
import time
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from calldesk.store import Store

DAY = 86400.0
T0 = 1_760_000_000.0  # the first day of the generated period
PERIOD_DAYS = 90
QUEUES = ("billing", "sales", "support", "vip")
MEDIA = ("voice", "voice", "voice", "chat", "sms", "email")
LANGUAGES = ("en", "en", "en", "es", "fr")
EVENTS_PER = 20.0  # journal entries per interaction, on average over the mix below
ABANDON = 0.08
FIRST = itemgetter(0)
TABLES = ("journal", "customers", "customer_identities", "customer_interactions")
VERSION = "4129d35dce6d"
MASK48 = (1 << 48) - 1


def phone(i: int) -> str:
    return f"+1202{i:07d}"


def customer_id(i: int) -> str:
    """`cu-` and 12 hex digits like `customers.store.new_id`, a bijection of i (no collisions)."""
    return f"cu-{(i * 0x9E3779B97F4A7C15) & MASK48:012x}"


def interaction_id(n: int, medium: str) -> str:
    h = (n * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & ((1 << 64) - 1)
    return f"v-{h:016x}{n:016x}" if medium == "voice" else f"{medium}-{h:016x}"


# The journal's own encoding (`store.journal._row`: json.dumps, sorted keys), compiled once per
# entry shape into a format string: a string value "$x" becomes {x} (the caller gives JSON text:
# a float's repr, as json writes it, true/false, a quoted string), and <x> inside a string
# becomes {x} (plain text, nothing to escape). Filling one costs a format_map, not an encode.
_J = json.JSONEncoder(sort_keys=True).encode


def _t(proto: dict[str, Any]) -> str:
    text = _J(proto).replace("{", "{{").replace("}", "}}")
    return re.sub(r"<(\w+)>", r"{\1}", re.sub(r'"\$(\w+)"', r"{\1}", text))


def _q(text: str) -> str:
    return f'"{text}"'


IN_DID = "+15557770000"
_LEG = {"caller": "<caller>", "cause": "<cause>", "destination": "<dn>", "switch": "fs1"}
T = {
    "leg": _t({**_LEG, "bridged_to": "$to", "direction": "<dir>"}),
    "opened": _t({"customer": "<who>", "medium": "<medium>", "previous": None}),
    "received1": _t({"agent": None, "medium": "<medium>", "message": "m-<tag>1", "seq": 1}),
    "started": _t(
        {
            "file": "/etc/calldesk/flows/main.yaml",
            "flow": "main",
            "language": "<lang>",
            "step": "menu",
            "variables": {"medium": "<medium>"},
            "version": VERSION,
        }
    ),
    "step": _t(
        {
            "flow": "main",
            "language": "<lang>",
            "step": "to_queue",
            "variables": "$variables",
            "version": VERSION,
        }
    ),
    "arrived": _t({"customer": "<who>", "medium": "<medium>", "queue": "<q>"}),
    "offered": _t(
        {
            "agent": "<agent>",
            "offer": "<iid>/o1",
            "queue": "<q>",
            "why": "queue=<q> rule=longest_idle considered=[<agent>] chosen=<agent> reason=idle "
            "longest context=[sticky: no earlier agent for this customer]",
        }
    ),
    "state": _t({"reason": None, "state": "<state>"}),
    "attached": _t(
        {
            "by": "<by>",
            "created": False,
            "customer": "<cu>",
            "medium": "<medium>",
            "merges": [],
            "verified": "$verified",
            "why": ["attached to <cu>"],
        }
    ),
    "finished": _t(
        {
            "detail": "",
            "flow": "main",
            "language": "<lang>",
            "status": "enqueued",
            "step": "to_queue",
            "variables": "$variables",
            "version": VERSION,
        }
    ),
    "abandoned": _t(
        {"cause": "caller hung up", "medium": "<medium>", "queue": "<q>", "wait": "$wait"}
    ),
    "answered": _t({"agent": "<agent>", "medium": "<medium>", "queue": "<q>", "wait": "$wait"}),
    "pop": _t(
        {
            "agent": "<agent>",
            "context": {
                "context": {},
                "customer": {
                    "fields": {"tier": "<tier>"},
                    "id": "<cu>",
                    "identities": [
                        {"kind": "account", "value": "<account>", "verified": True},
                        {"kind": "email", "value": "c<c>@example.com", "verified": False},
                        {"kind": "phone", "value": "<caller>", "verified": False},
                    ],
                    "name": "Customer <c>",
                },
                "interaction": "<iid>",
                "journey": {
                    "contacts": 1,
                    "duration_s": 0.0,
                    "fcr": False,
                    "first_at": "$at",
                    "intent": "<q>",
                    "interactions": ["<iid>"],
                    "last_at": "$at",
                    "media": ["<medium>"],
                    "resolved": False,
                },
                "last_contacts": [],
                "verified": True,
            },
            "customer": "<who>",
            "data": "$variables",
            "journey": [["$s", "ivr.started"], ["$at", "interaction.arrived"]],
            "medium": "<medium>",
            "offer": "<iid>/o1",
            "queue": "<q>",
        }
    ),
    "bridged": _t({"agent_leg": "<leg_b>", "caller": "<leg_a>"}),
    "sent4": _t({"agent": "<agent>", "author": "agent:<agent>", "message": "m-<tag>4", "seq": 4}),
    "received5": _t({"agent": "<agent>", "medium": "<medium>", "message": "m-<tag>5", "seq": 5}),
    "ended": _t({"agent": "<agent>", "cause": "normal_clearing", "queue": "<q>", "talk": "$talk"}),
    "wrapup": _t({"duration": 20.0, "interaction": "<iid>"}),
    "disposition": _t({"by": "<agent>", "disposition": "<disposition>", "notes": ""}),
}


def _interaction(
    rnd: random.Random,
    iid: str,
    at: float,
    c: int,
    agent: str | None = None,
    medium: str | None = None,
    agent_free_at: float = 0.0,
) -> list[tuple[float, str, str, str]]:
    """One interaction's journal rows (at, kind, subject, data): what the product writes."""
    q = QUEUES[c % len(QUEUES)]
    medium = medium or MEDIA[int(at) % len(MEDIA)]
    agent = agent or f"a{rnd.randrange(200)}"
    verified = c % 3 == 0  # a third verify their account in the flow
    kind, who = identity_of(c, medium).split(":", 1)
    ivr = 5.0 + rnd.random() * 20
    s = at - ivr
    account = f"A{c:08d}"
    variables: dict[str, Any] = {"intent": q, "medium": medium}
    if verified:
        variables.update(account=account, identity_account=account, pin="****")
        variables["verified_account"] = True
    leg_a, leg_b = f"{iid[-12:]}-a000-4000-8000-{c:012d}", f"{iid[-12:]}-b000-4000-8000-{c:012d}"
    v = {
        "iid": iid,
        "q": q,
        "medium": medium,
        "agent": agent,
        "who": who,
        "c": c,
        "cu": customer_id(c),
        "caller": phone(c),
        "account": account,
        "tag": iid[-8:],
        "lang": LANGUAGES[c % len(LANGUAGES)],
        "variables": _J(variables),
        "by": "account" if verified else kind,
        "verified": "true" if verified else "false",
        "tier": "gold" if c % 50 == 0 else "std",
        "leg_a": leg_a,
        "leg_b": leg_b,
        "at": repr(at),
        "s": repr(s),
        "to": "null",
        "cause": "",
        "dn": IN_DID,
        "dir": "inbound",
    }  # the values any template of this interaction may name
    t = T
    rows: list[tuple[float, str, str, str]] = []
    if medium == "voice":
        in_leg = t["leg"].format_map(v)
        rows += [(s - 0.05, "leg.create", leg_a, in_leg), (s - 0.02, "leg.answer", leg_a, in_leg)]
    else:
        rows += [
            (s, "interaction.opened", iid, t["opened"].format_map(v)),
            (s, "message.received", iid, t["received1"].format_map(v)),
        ]
    rows += [
        (s, "ivr.started", iid, t["started"].format_map(v)),
        (s + ivr / 2, "ivr.step", iid, t["step"].format_map(v)),
        (at, "interaction.arrived", iid, t["arrived"].format_map(v)),
    ]
    wait = max(rnd.random() * 60, agent_free_at - at)  # waits for the agent when all are busy
    v["wait"] = repr(wait)
    abandoned = rnd.random() < ABANDON
    if not abandoned:
        rows += [
            (at + wait - 0.7, "interaction.offered", iid, t["offered"].format_map(v)),
            (at + wait - 0.7, "agent.state", agent, t["state"].format(state="offered")),
        ]
    rows += [
        (at, "customer.attached", iid, t["attached"].format_map(v)),
        (at + 0.05, "ivr.finished", iid, t["finished"].format_map(v)),
    ]
    if abandoned:
        rows.append((at + wait, "interaction.abandoned", iid, t["abandoned"].format_map(v)))
        if medium == "voice":
            hangup = t["leg"].format_map({**v, "cause": "NORMAL_CLEARING"})
            rows.append((at + wait, "leg.hangup_complete", leg_a, hangup))
        return rows
    answer, talk = at + wait, 30 + rnd.random() * 400
    end = answer + talk
    v["talk"] = repr(talk)
    v["disposition"] = "resolved" if rnd.random() < 0.8 else "callback"
    rows += [
        (answer, "interaction.answered", iid, t["answered"].format_map(v)),
        (answer, "agent.state", agent, t["state"].format(state="busy")),
        (answer, "screen_pop", iid, t["pop"].format_map(v)),
    ]
    if medium == "voice":
        out = {**v, "dn": f"1{c % 1000:03d}", "dir": "outbound"}
        out_leg = t["leg"].format_map(out)
        rows += [
            (answer - 1.0, "leg.create", leg_b, out_leg),
            (answer - 0.01, "leg.answer", leg_b, out_leg),
            (answer + 0.1, "interaction.bridged", iid, t["bridged"].format_map(v)),
            (answer + 0.1, "leg.bridge", leg_a, t["leg"].format_map({**v, "to": _q(leg_b)})),
        ]
    else:
        rows += [
            (answer + 20, "message.sent", iid, t["sent4"].format_map(v)),
            (answer + 60, "message.received", iid, t["received5"].format_map(v)),
        ]
    rows += [
        (end, "interaction.ended", iid, t["ended"].format_map(v)),
        (end, "agent.state", agent, t["state"].format(state="wrap_up")),
        (end + 20, "agent.wrapup", agent, t["wrapup"].format_map(v)),
        (end + 20, "agent.state", agent, t["state"].format(state="available")),
        (end + 21, "api.wrapup", agent, t["disposition"].format_map(v)),
    ]
    if medium == "voice":
        hung = {**out, "cause": "NORMAL_CLEARING", "to": _q(leg_a)}
        rows += [
            (end - 0.05, "leg.hangup_complete", leg_b, t["leg"].format_map(hung)),
            (
                end - 0.04,
                "leg.hangup_complete",
                leg_a,
                t["leg"].format_map({**v, "cause": "NORMAL_CLEARING"}),
            ),
        ]
    return rows


def identity_of(c: int, medium: str) -> str:
    """`kind:value` of the identity the medium gives for customer c (caller id, token, From)."""
    if medium in ("voice", "sms"):
        return f"phone:{phone(c)}"
    return f"chat:visitor-{c}" if medium == "chat" else f"email:c{c}@example.com"


def arrivals(
    rnd: random.Random, customers: int, total: int, day_interactions: int, day0: float
) -> list[tuple[float, int]]:
    """(arrival time, customer) in time order: `day_interactions` on the reported day, the rest
    over the period; callers skewed (some call often, many once or never)."""
    out = [(day0 + rnd.random() * DAY, 0) for _ in range(day_interactions)]
    out += [(T0 + rnd.random() * PERIOD_DAYS * DAY, 0) for _ in range(total - day_interactions)]
    out.sort()
    return [(at, int(customers * rnd.random() ** 2)) for at, _ in out]


class Agents:
    """A pool of agents: the next interaction goes to the one free first (the longest idle), and
    waits for it if all are busy, so no agent holds two contacts at once (as under the ACD)."""

    def __init__(self, n: int) -> None:
        self.free = [(0.0, i) for i in range(n)]

    def take(self) -> tuple[float, int]:
        return heapq.heappop(self.free)

    def back(self, free_at: float, i: int) -> None:
        heapq.heappush(self.free, (free_at, i))


def _indexes(store: Store) -> list[tuple[str, str]]:
    marks = ",".join("?" * len(TABLES))
    return store.db.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})",
        list(TABLES),
    ).fetchall()


def generate(
    store: Store,
    customers: int,
    events: int,
    day_interactions: int,
    seed: int = 7,
    say: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Fill an empty store; the caller closes it and opens it again (the product's pragmas)."""
    rnd = random.Random(seed)
    db = store.db
    conn = db.conn
    indexes = _indexes(store)
    for name, _ in indexes:
        db.execute(f"DROP INDEX [{name}]")
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1048576")  # 1 GiB while the indexes are built
    t = time.perf_counter()
    batch = 200_000
    for lo in range(0, customers, batch):
        ids = [(i, customer_id(i)) for i in range(lo, min(lo + batch, customers))]
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO customers (id, name, fields, created_at, updated_at) VALUES (?,?,?,?,?)",
            [
                (
                    cu,
                    f"Customer {i}",
                    '{"tier": "gold"}' if i % 50 == 0 else '{"tier": "std"}',
                    T0,
                    T0,
                )
                for i, cu in ids
            ],
        )
        held = [
            row
            for i, cu in ids
            for row in (
                ("account", f"A{i:08d}", cu, 1, "import", T0),
                ("email", f"c{i}@example.com", cu, 0, "import", T0),
                ("phone", phone(i), cu, 0, "import", T0),
            )
        ]
        held.sort()  # in the primary key's order: appends to its B-tree, not random inserts
        conn.executemany(
            "INSERT INTO customer_identities (kind, value, customer, verified, source, added_at) "
            "VALUES (?,?,?,?,?,?)",
            held,
        )
        conn.execute("COMMIT")
    say(f"{customers:,} customers in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    total = max(int(events / EVENTS_PER), day_interactions)
    day0 = T0 + 45 * DAY  # the report's day, in the middle of the period
    plan = arrivals(rnd, customers, total, day_interactions, day0)
    agents = Agents(max(50, int(day_interactions * 330 / DAY * 1.15)))  # enough for the day
    written = 0
    links: list[tuple] = []
    window: list[tuple[float, str, str, str]] = []  # rows not yet written, kept in time order
    horizon = 600.0  # an interaction's rows span less than this after its arrival
    for n, (at, c) in enumerate(plan):
        medium = MEDIA[n % len(MEDIA)]
        iid = interaction_id(n, medium)
        free_at, a = agents.take()
        rows = _interaction(rnd, iid, at, c, f"a{a}", medium, free_at)
        handled = any(r[1] == "interaction.answered" for r in rows)
        agents.back(max(r[0] for r in rows) if handled else free_at, a)
        window += rows
        verified = c % 3 == 0
        by = f"account:A{c:08d}" if verified else identity_of(c, medium)
        links.append((iid, customer_id(c), medium, at, by, int(verified)))
        if len(window) >= 400_000 or n == len(plan) - 1:
            window.sort(key=FIRST)
            last = n == len(plan) - 1
            cut = len(window) if last else bisect.bisect_left(window, at - horizon, key=FIRST)
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO journal (at, kind, subject, data) VALUES (?,?,?,?)", window[:cut]
            )
            conn.executemany(
                "INSERT INTO customer_interactions (interaction, customer, medium, at, identity, "
                "verified) VALUES (?,?,?,?,?,?)",
                links,
            )
            conn.execute("COMMIT")
            written += cut
            del window[:cut]
            links = []
    say(
        f"{len(plan):,} interactions, {written:,} journal events in {time.perf_counter() - t:.1f} s"
    )
    t = time.perf_counter()
    for _, sql in indexes:
        db.execute(sql)
    say(f"{len(indexes)} indexes built in {time.perf_counter() - t:.1f} s")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    callers = [c for _, c in rnd.sample(plan, min(len(plan), 20_000))]
    return {
        "customers": customers,
        "interactions": len(plan),
        "events": written,
        "day": day0,
        "callers": callers,  # customers who called before: the pops' callers
    }

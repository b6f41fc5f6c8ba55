"""The report facts in SQLite: folded from the journal incrementally (up to a cursor), refolded
from scratch by `rebuild`, and read by interval for the report."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from calldesk.reports.interval import FACT_COLUMNS, Fact, FactFold, Row
from calldesk.store import Store
from calldesk.store.tx import durable

KINDS = (
    "interaction.arrived",
    "interaction.answered",
    "interaction.abandoned",
    "interaction.overflowed",
    "interaction.ended",
    "interaction.released",
    "interaction.transferred",
    "agent.wrapup",
    "survey.answered",
    "survey.score",
    "customer.attached",
)
CURSOR = "facts"
loads = json.loads


class Facts:
    def __init__(self, store: Store, fcr_window_s: float = 72 * 3600.0) -> None:
        self.store = store
        self.db = store.db
        self.fcr_window_s = fcr_window_s

    def cursor(self) -> int:
        row = self.db.execute("SELECT seq FROM report_cursor WHERE name = ?", [CURSOR]).fetchone()
        return int(row[0]) if row else 0

    def _previous(self, customer: str, queue: str, at: float) -> str | None:
        row = self.db.execute(
            "SELECT interaction FROM report_facts WHERE customer = ? AND queue = ? "
            "AND arrived_at < ? AND arrived_at >= ? ORDER BY arrived_at DESC LIMIT 1",
            [customer, queue, at, at - self.fcr_window_s],
        ).fetchone()
        return row[0] if row else None

    def catch_up(self, batch: int = 50_000) -> int:
        """Fold the journal entries after the cursor; returns how many were read."""
        has_customers = "customer_interactions" in self.db.table_names()
        customer = (
            "(SELECT ci.customer FROM customer_interactions ci WHERE ci.interaction = j.subject)"
            if has_customers
            else "NULL"
        )
        sql = (
            "SELECT j.id, j.at, j.kind, j.subject, j.data, "
            "CASE WHEN j.kind IN ('interaction.arrived', 'customer.attached') "
            f"THEN {customer} END FROM journal j "
            f"WHERE j.id > ? AND +j.kind IN ({','.join('?' * len(KINDS))}) ORDER BY j.id LIMIT ?"
        )  # `+kind`: walk the rows after the cursor in id order (not the kind index, whose
        # matches after the cursor would all be sorted again for every batch)
        total, seq = 0, self.cursor()
        # From scratch, every earlier contact went through this fold: its memory of each
        # customer's last contact per queue answers "previous" without asking the table.
        fresh = (
            seq == 0 and self.db.execute("SELECT 1 FROM report_facts LIMIT 1").fetchone() is None
        )
        last: dict[tuple[str, str], tuple[str, float]] = {}
        while True:
            rows = self.db.execute(sql, [seq, *KINDS, batch]).fetchall()
            if not rows:
                return total
            fold = FactFold(
                self.fcr_window_s,
                lookup=self._lookup(rows),
                previous=None if fresh else self._previous,
                _last=last,
            )
            for _, at, kind, subject, data, customer_id in rows:
                d = loads(data)  # once per row (SQLite 3.40's json_extract parses per field)
                fold.apply(at, kind, subject, d, customer_id or d.get("customer"))
            seq, total = rows[-1][0], total + len(rows)
            marks = ",".join("?" * len(FACT_COLUMNS))
            durable(self.db.conn)  # a deferred group commit first: BEGIN needs none open
            with self.db.conn:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.conn.executemany(
                    f"INSERT OR REPLACE INTO report_facts ({', '.join(FACT_COLUMNS)}) "
                    f"VALUES ({marks})",
                    [f.row() for f in fold.facts.values()],
                )
                self.db.execute(
                    "INSERT OR REPLACE INTO report_cursor (name, seq) VALUES (?, ?)", [CURSOR, seq]
                )

    def _lookup(self, rows: list[tuple[Any, ...]]) -> Callable[[str], Fact | None]:
        """The fold's `lookup` for this batch: the facts already stored for the interactions
        the rows name are read with one query per 500 (not one per row); any other one (a
        customer's previous contact, from an earlier batch) with a query of its own."""
        names = {r[3] for r in rows}
        names |= {str(loads(r[4]).get("interaction")) for r in rows if r[2] == "agent.wrapup"}
        wanted = list(names)
        known: dict[str, Fact] = {}
        cols = ", ".join(FACT_COLUMNS)
        for lo in range(0, len(wanted), 500):
            part = wanted[lo : lo + 500]
            for row in self.db.execute(
                f"SELECT {cols} FROM report_facts WHERE interaction IN ({','.join('?' * len(part))})",
                part,
            ).fetchall():
                known[row[0]] = Fact(*row)

        def lookup(iid: str) -> Fact | None:
            if iid in known or iid in names:
                return known.get(iid)
            row = self.db.execute(
                f"SELECT {cols} FROM report_facts WHERE interaction = ?", [iid]
            ).fetchone()
            return Fact(*row) if row else None

        return lookup

    def rebuild(self) -> int:
        """Drop every fact and fold the whole journal again."""
        durable(self.db.conn)  # a deferred group commit first: BEGIN needs none open
        with self.db.conn:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("DELETE FROM report_facts")
            self.db.execute("DELETE FROM report_cursor WHERE name = ?", [CURSOR])
        return self.catch_up()

    def aggregate(
        self,
        start: float,
        end: float,
        step_s: float,
        by: Sequence[str],
        sl_seconds: Mapping[str, float] | None = None,
        default_sl_s: float = 20.0,
    ) -> list[dict[str, Any]]:
        """`interval.aggregate` done by SQLite (GROUP BY): the same figures, the same order."""
        dims = [f"coalesce({d}, '-')" for d in by]
        sl = dict(sl_seconds or {})
        threshold = "?"
        args: list[Any] = []
        if sl:
            threshold = "CASE queue " + "WHEN ? THEN ? " * len(sl) + "ELSE ? END"
            for q, v in sl.items():
                args += [q, float(v)]
        args.append(float(default_sl_s))
        sql = (
            f"SELECT CAST(arrived_at / ? AS INTEGER) * ? AS bucket, {''.join(d + ', ' for d in dims)}"
            "count(*), "
            f"sum(answered), sum(answered AND wait <= {threshold}), sum(abandoned), "
            "sum(overflowed), sum(CASE WHEN answered THEN wait ELSE 0 END), sum(handled), "
            "sum(CASE WHEN handled THEN talk ELSE 0 END), "
            "sum(CASE WHEN handled THEN wrap ELSE 0 END), sum(transfers), "
            "sum(CASE WHEN handled THEN repeated ELSE 0 END), sum(csat_sum), sum(csat_n) "
            "FROM report_facts WHERE arrived_at >= ? AND arrived_at < ? "
            f"GROUP BY {', '.join(['bucket', *dims])}"
        )
        out = []
        for r in self.db.execute(sql, [step_s, step_s, *args, start, end]).fetchall():
            row = Row(*r[1 + len(by) :])
            out.append(
                {
                    "start": float(r[0]),
                    **dict(zip(by, r[1 : 1 + len(by)], strict=True)),
                    **row.figures(),
                }
            )
        return sorted(out, key=lambda x: tuple(str(x[k]) for k in ("start", *by)))

    def between(self, start: float, end: float) -> list[tuple[Any, ...]]:
        return self.db.execute(
            f"SELECT {', '.join(FACT_COLUMNS)} FROM report_facts "
            "WHERE arrived_at >= ? AND arrived_at < ?",
            [start, end],
        ).fetchall()


def interval_report(
    store: Store,
    start: float,
    end: float,
    step_s: float,
    by: Sequence[str] = ("queue",),
    sl_seconds: Mapping[str, float] | None = None,
    fcr_window_s: float = 72 * 3600.0,
) -> list[dict[str, Any]]:
    """Rows of figures per interval and dimension, for arrivals in [start, end); the facts are
    brought up to date with the journal first."""
    facts = Facts(store, fcr_window_s)
    facts.catch_up()
    return facts.aggregate(start, end, step_s, by, sl_seconds)


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_csv(rows: list[dict[str, Any]], by: Sequence[str]) -> str:
    cols = [
        "start",
        *by,
        "offered",
        "answered",
        "abandoned",
        "overflowed",
        "service_level",
        "asa_s",
        "aht_s",
        "handled",
        "transfers",
        "fcr",
        "csat",
    ]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r[c] is None else (iso(r[c]) if c == "start" else r[c]) for c in cols])
    return out.getvalue()

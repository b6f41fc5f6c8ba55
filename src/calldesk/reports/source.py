"""Read the journal for an interval report: only the kinds the fold needs, only the fields it
reads (extracted by SQLite), through the (kind, at) index."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from calldesk.reports.interval import IntervalFold
from calldesk.store import Store

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
)


def _has_customers(store: Store) -> bool:
    return "customer_interactions" in store.db.table_names()


def interval_report(
    store: Store,
    start: float,
    end: float,
    step_s: float,
    by: Sequence[str] = ("queue",),
    sl_seconds: Mapping[str, float] | None = None,
    fcr_window_s: float = 72 * 3600.0,
) -> list[dict[str, Any]]:
    """Rows of figures per interval and dimension, for arrivals in [start, end)."""
    fold = IntervalFold(step_s, by, dict(sl_seconds or {}), fcr_window_s=fcr_window_s)
    customer = (
        "(SELECT ci.customer FROM customer_interactions ci WHERE ci.interaction = j.subject)"
        if _has_customers(store)
        else "NULL"
    )
    marks = ",".join("?" * len(KINDS))
    # interactions that arrived in range may finish a little after it: read up to a day on
    sql = (
        "SELECT j.at, j.kind, j.subject, j.data, "
        f"CASE WHEN j.kind = 'interaction.arrived' THEN coalesce({customer}, "
        "json_extract(j.data, '$.customer')) END "
        f"FROM journal j WHERE j.kind IN ({marks}) AND j.at >= ? AND j.at < ? ORDER BY j.id"
    )
    rows = store.db.execute(sql, [*KINDS, start, end + 86400.0]).fetchall()
    apply, later, loads = fold.apply, fold.later_arrival, json.loads
    for at, kind, subject, data, who in rows:
        if kind == "interaction.arrived" and at >= end:
            if at < end + fcr_window_s:
                later(at, subject, loads(data), who or None)
            continue
        apply(at, kind, subject, loads(data), who or None)
    if fcr_window_s > 86400.0:  # repeats after the day read above
        for at, subject, data, who in store.db.execute(
            "SELECT j.at, j.subject, j.data, "
            f"coalesce({customer}, json_extract(j.data, '$.customer')) FROM journal j "
            "WHERE j.kind = 'interaction.arrived' AND j.at >= ? AND j.at < ? ORDER BY j.id",
            [end + 86400.0, end + fcr_window_s],
        ).fetchall():
            later(at, subject, loads(data), who or None)
    return fold.report()


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

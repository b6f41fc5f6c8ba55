"""The dialer's SQLite tables: contacts, the do-not-call list, and the compliance ledger.

The ledger is append-only (triggers refuse UPDATE and DELETE): one row per attempt, written
once when the attempt is over.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

from calldesk.dialer.lists import Contact
from calldesk.store import Store
from calldesk.store.tx import durable

GLOBAL = "*"
LEDGER_FIELDS = (
    "at",
    "campaign",
    "contact",
    "number",
    "local_time",
    "timezone",
    "window",
    "dnc_checked",
    "dnc_hit",
    "trunk",
    "caller_id",
    "ring_s",
    "ring_limit_s",
    "outcome",
    "cause",
    "amd",
    "agent",
    "answer_to_agent_s",
    "abandoned",
    "safe_harbour",
    "interaction",
    "grace_from",
)


class DialerStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    # -- contacts --------------------------------------------------------------------------
    def import_contacts(
        self, list_name: str, contacts: Iterable[Contact], at: float
    ) -> tuple[int, int]:
        """Insert or merge, all in one transaction. Returns (new, merged into existing)."""
        conn = self.db.conn
        rows = [
            (list_name, c.number, c.name, c.timezone, json.dumps(c.fields), c.line, at)
            for c in contacts
        ]
        count = "SELECT count(*) FROM dialer_contacts WHERE list=?"
        durable(conn)  # a deferred group commit first: BEGIN needs none open
        with conn:
            conn.execute("BEGIN")
            before = conn.execute(count, (list_name,)).fetchone()[0]
            conn.executemany(
                "INSERT INTO dialer_contacts VALUES (?,?,?,?,?,?,?) "
                "ON CONFLICT (list, number) DO UPDATE SET "
                "name = CASE WHEN excluded.name != '' THEN excluded.name ELSE name END, "
                "timezone = CASE WHEN excluded.timezone != '' THEN excluded.timezone "
                "ELSE timezone END, fields = json_patch(fields, excluded.fields)",
                rows,
            )
            new = conn.execute(count, (list_name,)).fetchone()[0] - before
        merged = len(rows) - new
        return new, merged

    def contacts(self, list_name: str) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT * FROM dialer_contacts WHERE list=? ORDER BY line", [list_name]
        )
        return [{**r, "fields": json.loads(r["fields"] or "{}")} for r in rows]

    # -- do not call -----------------------------------------------------------------------
    def dnc_add(
        self,
        numbers: Iterable[str],
        scope: str = GLOBAL,
        expires_at: float | None = None,
        source: str = "cli",
        at: float | None = None,
    ) -> int:
        now = time.time() if at is None else at
        rows = [(n, scope, now, expires_at, source) for n in numbers]
        durable(self.db.conn)  # a deferred group commit first: BEGIN needs none open
        with self.db.conn:
            self.db.conn.execute("BEGIN")
            self.db.conn.executemany("INSERT OR REPLACE INTO dnc VALUES (?,?,?,?,?)", rows)
        return len(rows)

    def dnc_hit(self, number: str, campaign: str, at: float) -> dict[str, Any] | None:
        """The entry that forbids calling `number` for `campaign` at `at`, if any."""
        rows = list(
            self.db.query(
                "SELECT * FROM dnc WHERE number=? AND scope IN (?, ?) "
                "AND (expires_at IS NULL OR expires_at > ?) ORDER BY scope",
                [number, GLOBAL, campaign, at],
            )
        )
        return rows[0] if rows else None

    # -- the ledger ------------------------------------------------------------------------
    def record_attempt(self, row: Mapping[str, Any]) -> int:
        unknown = set(row) - set(LEDGER_FIELDS)
        if unknown:
            raise ValueError(f"ledger: unknown fields {sorted(unknown)}")
        cols = [f for f in LEDGER_FIELDS if f in row]
        cur = self.db.conn.execute(
            f"INSERT INTO compliance_ledger ({', '.join(cols)}) "
            f"VALUES ({', '.join('?' for _ in cols)})",
            [row[c] for c in cols],
        )
        return int(cur.lastrowid or 0)

    def ledger(self, campaign: str, since: float, until: float) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT * FROM compliance_ledger WHERE campaign=? AND at>=? AND at<? ORDER BY id",
                [campaign, since, until],
            )
        )

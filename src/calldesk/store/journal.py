"""The append-only journal of interaction, agent, leg and supervision events.

Reports, CDRs and crash recovery are folds over it. Rows are never updated or deleted (triggers
enforce it). `at` is the time the event happened, passed in by the caller (pure cores own no clock).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import sqlite_utils


@dataclass(frozen=True)
class Entry:
    id: int
    at: float
    kind: str
    subject: str
    data: dict[str, Any]


class Publisher(Protocol):
    def publish(self, entries: Iterable[Entry]) -> None: ...


def _row(kind: str, subject: str, data: dict[str, Any] | None, at: float) -> tuple:
    return (float(at), kind, subject, json.dumps(data or {}, sort_keys=True, default=str))


class Journal:
    """`notifier`, when set, is told of every committed append with its row id (the sequence
    number); see `calldesk.notify`."""

    def __init__(self, db: sqlite_utils.Database, notifier: Publisher | None = None) -> None:
        self.db = db
        self.notifier = notifier

    def append(self, kind: str, subject: str, data: dict[str, Any] | None, at: float) -> int:
        row = _row(kind, subject, data, at)
        cursor = self.db.execute(
            "INSERT INTO journal (at, kind, subject, data) VALUES (?, ?, ?, ?)", list(row)
        )
        seq = int(cursor.lastrowid or 0)
        if self.notifier is not None:
            self.notifier.publish([Entry(seq, row[0], kind, subject, json.loads(row[3]))])
        return seq

    def append_many(
        self,
        entries: list[tuple[str, str, dict[str, Any], float]],
        before: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        """`before` writes in the same transaction (e.g. the inputs that made these entries):
        a crash keeps both or neither."""
        rows = [_row(k, s, d, at) for k, s, d, at in entries]
        conn = self.db.conn
        own = not conn.in_transaction  # the store's connection autocommits: begin it here
        if own:
            conn.execute("BEGIN")
        try:
            if before is not None:
                before(conn)
            conn.executemany("INSERT INTO journal (at, kind, subject, data) VALUES (?, ?, ?, ?)",
                             rows)
            last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        except BaseException:
            if own:
                conn.execute("ROLLBACK")
            raise
        if own:
            conn.execute("COMMIT")
        if self.notifier is not None and rows:
            first = int(last) - len(rows) + 1  # one transaction, one writer: consecutive ids
            self.notifier.publish(
                Entry(first + i, r[0], r[1], r[2], json.loads(r[3])) for i, r in enumerate(rows)
            )

    def read(
        self,
        *,
        kind: str | None = None,
        kind_prefix: str | None = None,
        subject: str | None = None,
        since: float | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> Iterator[Entry]:
        where: list[str] = ["id > ?"]
        args: list[Any] = [after_id]
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if kind_prefix is not None:
            where.append("kind LIKE ?")
            args.append(kind_prefix.replace("%", "") + "%")
        if subject is not None:
            where.append("subject = ?")
            args.append(subject)
        if since is not None:
            where.append("at >= ?")
            args.append(since)
        sql = f"SELECT id, at, kind, subject, data FROM journal WHERE {' AND '.join(where)} ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        for row in self.db.execute(sql, args).fetchall():
            yield Entry(row[0], row[1], row[2], row[3], json.loads(row[4]))

    def last_id(self) -> int:
        """The newest sequence number (0 for an empty journal)."""
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0])

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            return self.db.execute("SELECT count(*) FROM journal").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM journal WHERE kind = ?", [kind]).fetchone()[0]

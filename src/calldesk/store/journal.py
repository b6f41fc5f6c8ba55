"""The append-only journal of interaction, agent, leg and supervision events.

Reports, CDRs and crash recovery are folds over it. Rows are never updated or deleted (triggers
enforce it). `at` is the time the event happened, passed in by the caller (pure cores own no clock).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils


@dataclass(frozen=True)
class Entry:
    id: int
    at: float
    kind: str
    subject: str
    data: dict[str, Any]


class Journal:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def append(self, kind: str, subject: str, data: dict[str, Any] | None, at: float) -> int:
        cursor = self.db.execute(
            "INSERT INTO journal (at, kind, subject, data) VALUES (?, ?, ?, ?)",
            [float(at), kind, subject, json.dumps(data or {}, sort_keys=True, default=str)],
        )
        return int(cursor.lastrowid)

    def append_many(self, entries: list[tuple[str, str, dict[str, Any], float]]) -> None:
        with self.db.conn:
            self.db.conn.executemany(
                "INSERT INTO journal (at, kind, subject, data) VALUES (?, ?, ?, ?)",
                [
                    (float(at), k, s, json.dumps(d or {}, sort_keys=True, default=str))
                    for k, s, d, at in entries
                ],
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
        where, args = ["id > ?"], [after_id]
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

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            return self.db.execute("SELECT count(*) FROM journal").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM journal WHERE kind = ?", [kind]).fetchone()[0]

"""The append-only journal of interaction, agent, leg and supervision events.

Reports, CDRs and crash recovery are folds over it. Rows are never updated or deleted (triggers
enforce it). `at` is the time the event happened, passed in by the caller (pure cores own no clock).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import sqlite_utils

from calldesk.store import jsontext
from calldesk.store.tx import transaction


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
    return (float(at), kind, subject, jsontext.dumps(data or {}, sort_keys=True))


_SCALARS = (str, int, float, bool, type(None))


def _as_stored(data: dict[str, Any] | None, text: str) -> dict[str, Any]:
    """The entry's data as a reader of the row gets it: a flat dict of plain values is copied
    (keys sorted, as stored), anything else is decoded from the stored JSON."""
    if not data:
        return {}
    if all(type(k) is str and type(v) in _SCALARS for k, v in data.items()):
        return dict(sorted(data.items()))
    return jsontext.loads(text)


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
            self.notifier.publish([Entry(seq, row[0], kind, subject, jsontext.loads(row[3]))])
        return seq

    def note(self, kind: str, subject: str, data: dict[str, Any] | None, at: float) -> None:
        """Append within the loop tick's group commit (`transaction(defer=True)`, see
        store.tx) instead of a commit of its own: for a fact the switch itself still tells
        after a crash (e.g. a bridge it made)."""
        with transaction(self.db.conn, defer=True):
            written = self.write_many([(kind, subject, data or {}, at)])
        self.publish(written)

    def append_many(
        self,
        entries: list[tuple[str, str, dict[str, Any], float]],
        before: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        """One transaction for all the rows, then the notifier publishes them. `before` writes
        in the same transaction (e.g. the inputs that made these entries): a crash keeps both or
        neither."""
        with transaction(self.db.conn) as conn:
            if before is not None:
                before(conn)
            written = self.write_many(entries)
        self.publish(written)

    def write_many(self, entries: list[tuple[str, str, dict[str, Any], float]]) -> list[Entry]:
        """Insert the rows in the caller's transaction and return them as entries, unpublished:
        the caller publishes them (`publish`) once its transaction committed."""
        rows = [_row(k, s, d, at) for k, s, d, at in entries]
        if not rows:
            return []
        self.db.conn.executemany(
            "INSERT INTO journal (at, kind, subject, data) VALUES (?, ?, ?, ?)", rows
        )
        last = self.db.conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        first = int(last) - len(rows) + 1  # one statement, one writer: consecutive ids
        return [
            Entry(first + i, r[0], r[1], r[2], _as_stored(d, r[3]))
            for i, (r, (_, _, d, _)) in enumerate(zip(rows, entries, strict=True))
        ]

    def publish(self, entries: list[Entry]) -> None:
        if self.notifier is not None and entries:
            self.notifier.publish(entries)

    def read(
        self,
        *,
        kind: str | None = None,
        kind_prefix: str | None = None,
        subject: str | None = None,
        since: float | None = None,
        after_id: int = 0,
        limit: int | None = None,
        newest_first: bool = False,
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
        if newest_first:
            sql += " DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        for row in self.db.execute(sql, args).fetchall():
            yield Entry(row[0], row[1], row[2], row[3], jsontext.loads(row[4]))

    def trail(self, subject: str) -> list[tuple[float, str]]:
        """(at, kind) of a subject's entries in order, without decoding their data."""
        rows = self.db.conn.execute(
            "SELECT at, kind FROM journal WHERE subject = ? AND id > 0 ORDER BY id", [subject]
        ).fetchall()
        return [(float(at), kind) for at, kind in rows]

    def last_id(self) -> int:
        """The newest sequence number (0 for an empty journal)."""
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0])

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            return self.db.execute("SELECT count(*) FROM journal").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM journal WHERE kind = ?", [kind]).fetchone()[0]

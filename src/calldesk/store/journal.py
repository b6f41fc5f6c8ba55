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
from calldesk.store.tx import after_commit, durable, transaction


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
_INSERT = "INSERT INTO journal (at, kind, subject, data) VALUES "
_CHUNK = 200  # rows per INSERT: 800 bound values, well under SQLite's limit


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
            self.publish([Entry(seq, row[0], kind, subject, jsontext.loads(row[3]))])
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
        *,
        defer: bool = False,
    ) -> None:
        """One transaction for all the rows, then the notifier publishes them. `before` writes
        in the same transaction (e.g. the inputs that made these entries): a crash keeps both or
        neither. `defer`: the transaction joins the group commit (see store.tx)."""
        with transaction(self.db.conn, defer=defer) as conn:
            if before is not None:
                before(conn)
            written = self.write_many(entries)
        self.publish(written)

    def write_many(self, entries: list[tuple[str, str, dict[str, Any], float]]) -> list[Entry]:
        """Insert the rows in the caller's transaction and return them as entries, unpublished:
        the caller publishes them (`publish`) once its transaction committed."""
        rows = [_row(k, s, d, at) for k, s, d, at in entries]
        out: list[Entry] = []
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            # One multi-row INSERT: its cursor's lastrowid is the chunk's last id (no
            # `SELECT last_insert_rowid()` round trip); one statement, one writer: the ids
            # are consecutive.
            cursor = self.db.conn.execute(
                _INSERT + ", ".join(["(?, ?, ?, ?)"] * len(chunk)),
                [v for r in chunk for v in r],
            )
            first = int(cursor.lastrowid or 0) - len(chunk) + 1
            out += [
                Entry(first + i, r[0], r[1], r[2], _as_stored(d, r[3]))
                for i, (r, (_, _, d, _)) in enumerate(
                    zip(chunk, entries[start:start + _CHUNK], strict=True))
            ]
        return out

    def publish(self, entries: list[Entry]) -> None:
        """Hand the entries to the notifier once they are committed (store.tx.after_commit):
        a sequence number seen outside is never reused after a crash."""
        notifier = self.notifier
        if notifier is not None and entries:
            after_commit(self.db.conn, lambda: notifier.publish(entries))

    def settle(self) -> None:
        """Commit what the group commit holds, so reads show only what a crash keeps."""
        durable(self.db.conn)

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
        settle: bool = True,
    ) -> Iterator[Entry]:
        """Entries in id order (`newest_first`: reversed). Committed first (`settle`), as a
        reader may hand the ids out; `settle=False` for a reader that keeps them in process."""
        if settle:
            self.settle()
        where: list[str] = ["id > ?"]
        args: list[Any] = [after_id]
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if kind_prefix is not None:
            # Not `kind LIKE ?`: SQLite prepares a statement again each time a LIKE pattern
            # bound to it changes (~60 µs), and `_` in a kind would match any character.
            where.append("substr(kind, 1, ?) = ?")
            args += [len(kind_prefix), kind_prefix]
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
        """The newest sequence number (0 for an empty journal), committed."""
        self.settle()
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0])

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            return self.db.execute("SELECT count(*) FROM journal").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM journal WHERE kind = ?", [kind]).fetchone()[0]

"""The embedded store: SQLite through sqlite-utils, WAL mode, versioned migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from calldesk.store.journal import Journal
from calldesk.store.migrations import MIGRATIONS, Migration
from calldesk.store.tx import durable

# Reads (screen pops, journeys, reports) walk large B-trees: keep their pages in the connection
# (64 MiB instead of SQLite's 2 MiB) and read the file through a memory map (no read() call and
# copy per page; SQLite caps it at 2 GiB). Both only spend memory the store's size asks for.
CACHE_KIB = 65536
MMAP_BYTES = 8 << 30


class Store:
    """One SQLite file. `db` is the sqlite-utils Database; `journal` the append-only event log."""

    def __init__(self, db: sqlite_utils.Database, path: str) -> None:
        self.db = db
        self.path = path
        self.journal = Journal(db)

    @classmethod
    def open(cls, path: str | os.PathLike, *, migrate: bool = True) -> Store:
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db = sqlite_utils.Database(conn)
        if path != ":memory:":
            db.enable_wal()
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=5000")
        db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        if path != ":memory:":
            db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        store = cls(db, path)
        if migrate:
            store.migrate()
        return store

    def applied(self) -> list[str]:
        if "_migrations" not in self.db.table_names():
            return []
        return [row["name"] for row in self.db.table("_migrations").rows_where(order_by="rowid")]

    def migrate(self, migrations: list[Migration] | None = None) -> list[str]:
        """Apply what has not been applied yet, each in its own transaction; returns their names."""
        if "_migrations" not in self.db.table_names():
            self.db.table("_migrations").create({"name": str, "applied_at": str}, pk="name")
        done = set(self.applied())
        ran = []
        for name, function in migrations or MIGRATIONS:
            if name in done:
                continue
            durable(self.db.conn)  # a deferred group commit first: BEGIN needs none open
            with self.db.conn:
                self.db.execute("BEGIN")
                function(self.db)
                self.db.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, datetime('now'))", [name]
                )
            ran.append(name)
        return ran

    def close(self) -> None:
        self.db.close()

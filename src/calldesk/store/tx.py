"""One SQLite transaction around a block, on the store's autocommit connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One transaction around the block. The connection runs in autocommit mode
    (`isolation_level=None`), where `with conn:` alone begins nothing: each statement, and each
    row of an `executemany`, would commit on its own. Inside a transaction already open, the
    block joins it (the outer one commits)."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()

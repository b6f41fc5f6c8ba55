"""One SQLite transaction around a block, on the store's autocommit connection; and group
commit for the hot path.

A COMMIT costs ~40 µs of CPU (and more wall time) however little it writes, and one inbound call
wrote a dozen small transactions (IVR run started and finished, interaction opened, attached and
closed, customer attached, leg journal batches). A block marked `defer=True` leaves its
transaction open instead: the next block joins it as a savepoint, and one COMMIT at the end of
the event-loop tick (`GroupCommit`, wired by `serve`) or the next ordinary block writes them all.

What stays true:
- A block is all or nothing: a failed block rolls back to its savepoint, never a neighbour's.
- The committed state is always a prefix of the writes in order: a crash loses the last tick's
  deferred blocks together with nothing written after them.
- An ordinary block (`defer=False`, the default) ends committed, with every deferred block
  before it: what is acknowledged to the outside (an API reply, a stored message) is durable.
- Without a `GroupCommit` (CLI, tests, scripts), `defer=True` commits at once, as before.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


class _Group:
    __slots__ = ("depth", "pending", "scheduled", "schedule", "commits")

    def __init__(self, schedule: Callable[[Callable[[], None]], object]) -> None:
        self.depth = 0  # blocks running (nested blocks join the outer one)
        self.pending = False  # a deferred block's writes wait for the tick's commit
        self.scheduled = False
        self.schedule = schedule
        self.commits = 0


_GROUPS: dict[int, tuple[sqlite3.Connection, _Group]] = {}


class GroupCommit:
    """Group commit for one connection: deferred blocks are committed once per loop tick.
    `schedule(fn)` runs `fn` soon, after the current greenlet yields (gevent's
    `loop.run_callback`: callbacks run in order, so a notifier's wake-ups scheduled after a
    block run after its commit)."""

    def __init__(
        self, conn: sqlite3.Connection, schedule: Callable[[Callable[[], None]], object]
    ) -> None:
        self.conn = conn
        self._group = _Group(schedule)
        _GROUPS[id(conn)] = (conn, self._group)

    @property
    def commits(self) -> int:
        return self._group.commits

    def flush(self) -> None:
        """Commit what deferred blocks wrote, now (also at stop)."""
        _flush(self.conn, self._group)

    def close(self) -> None:
        self.flush()
        if _GROUPS.get(id(self.conn), (None, None))[1] is self._group:
            del _GROUPS[id(self.conn)]


def _flush(conn: sqlite3.Connection, group: _Group) -> None:
    group.scheduled = False
    if group.depth:  # a block is running (it yielded inside): its end decides
        _schedule(conn, group)
        return
    if group.pending and conn.in_transaction:
        try:
            conn.commit()
        except sqlite3.Error:  # kept open and pending: the next tick (or block) retries
            log.exception("group commit failed; retrying")
            _schedule(conn, group)
            return
        group.commits += 1
    group.pending = False


def _schedule(conn: sqlite3.Connection, group: _Group) -> None:
    if not group.scheduled:
        group.scheduled = True
        group.schedule(lambda: _flush(conn, group))


@contextmanager
def transaction(conn: sqlite3.Connection, *, defer: bool = False) -> Iterator[sqlite3.Connection]:
    """One transaction around the block. The connection runs in autocommit mode
    (`isolation_level=None`), where `with conn:` alone begins nothing: each statement, and each
    row of an `executemany`, would commit on its own. Inside a block already running, the
    block joins it (the outer one commits). `defer`: see the module's doc."""
    found = _GROUPS.get(id(conn))
    group = found[1] if found is not None and found[0] is conn else None
    if group is None:
        yield from _plain(conn)
        return
    if group.depth:
        group.depth += 1
        try:
            yield conn
        finally:
            group.depth -= 1
        return
    if conn.in_transaction and not group.pending:  # someone began one by hand: join it
        yield conn
        return
    savepoint = conn.in_transaction  # deferred blocks wait: this one is a savepoint among them
    conn.execute("SAVEPOINT block" if savepoint else "BEGIN")
    group.depth = 1
    try:
        yield conn
    except BaseException:
        group.depth = 0
        if savepoint:
            conn.execute("ROLLBACK TO block")
            conn.execute("RELEASE block")
        else:
            conn.rollback()
        raise
    group.depth = 0
    if savepoint:
        conn.execute("RELEASE block")
    if defer:
        group.pending = True
        _schedule(conn, group)
    else:
        conn.commit()
        group.commits += 1
        group.pending = False


def _plain(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
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


def durable(conn: sqlite3.Connection) -> None:
    """Commit now what deferred blocks (and bare statements after them) wrote: for a write that
    is acknowledged to the outside as soon as this returns (a stored message)."""
    found = _GROUPS.get(id(conn))
    if found is not None and found[0] is conn:
        _flush(conn, found[1])

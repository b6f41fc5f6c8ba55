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
- Published only once committed: `after_commit(conn, fn)` runs `fn` once everything written so
  far is committed (at once if nothing waits), in the order asked. The journal publishes through
  it, so a sequence number seen outside (a WebSocket push) is never reused after a crash, however
  long the group waits.
- A deferred write is not yet durable when the block returns: code that then tells a switch
  something a restart must find stored commits first (`durable`, as an IVR run's start does
  before its first prompt) or writes in an ordinary block.

`linger_s` (with `later`): the group's COMMIT waits that long after its first deferred block
instead of ending the tick, so the blocks of several ticks share it; with the engine's one
commit per step, commits per inbound call fell from ~8 to ~2. An ordinary block, `durable` or
`flush` commits at once, as before.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


Schedule = Callable[[Callable[[], None]], object]
Later = Callable[[float, Callable[[], None]], object]


class _Group:
    __slots__ = ("depth", "pending", "scheduled", "schedule", "later", "linger_s", "commits",
                 "hooks", "ready", "running", "on_commit")

    def __init__(self, schedule: Schedule, later: Later | None, linger_s: float,
                 on_commit: Callable[[], None] | None = None) -> None:
        self.depth = 0  # blocks running (nested blocks join the outer one)
        self.pending = False  # a deferred block's writes wait for the group's commit
        self.scheduled = False
        self.schedule, self.later, self.linger_s = schedule, later, linger_s
        self.commits = 0
        self.hooks: deque[Callable[[], None]] = deque()  # after_commit, in the order asked
        self.ready = 0  # the first `ready` hooks are covered by a commit
        self.running = False  # hooks are being run (one runner at a time keeps their order)
        self.on_commit = on_commit  # right after each COMMIT of the group


_GROUPS: dict[int, tuple[sqlite3.Connection, _Group]] = {}
GROUP_LINGER_S = 0.01  # `serve`'s: a deferred write waits 10 ms at most for its commit


class GroupCommit:
    """Group commit for one connection: deferred blocks are committed once per loop tick, or
    `linger_s` after the first of them. `schedule(fn)` runs `fn` soon, after the current
    greenlet yields; `later(secs, fn)` runs it after `secs` (`gevent.spawn`, `spawn_later`)."""

    def __init__(self, conn: sqlite3.Connection, schedule: Schedule, *,
                 later: Later | None = None, linger_s: float = 0.0,
                 on_commit: Callable[[], None] | None = None) -> None:
        self.conn = conn
        # on_commit: e.g. Checkpointer.after_commit
        self._group = _Group(schedule, later, linger_s, on_commit)
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
        if not self.conn.in_transaction:  # committed: what is left runs now, nothing waits
            self._group.ready = len(self._group.hooks)
            _run_hooks(self._group)


def _group_of(conn: sqlite3.Connection) -> _Group | None:
    found = _GROUPS.get(id(conn))
    return found[1] if found is not None and found[0] is conn else None


def _on_time(conn: sqlite3.Connection, group: _Group) -> None:
    """The scheduled commit (one outstanding at a time: a commit in between, by `durable` or an
    ordinary block, leaves it be, so the group still commits at most once per linger)."""
    group.scheduled = False
    _flush(conn, group)


def _flush(conn: sqlite3.Connection, group: _Group) -> None:
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
        _after_commit(group)
    _committed(group)


def _after_commit(group: _Group) -> None:
    group.commits += 1
    if group.on_commit is not None:  # no transaction is open: see Checkpointer.after_commit
        try:
            group.on_commit()
        except Exception:
            log.exception("after-commit call failed")


def _committed(group: _Group) -> None:
    """Everything written so far is committed: the hooks asked so far may run."""
    group.pending = False
    group.ready = len(group.hooks)
    _run_hooks(group)


def _run_hooks(group: _Group) -> None:
    if group.running:  # a hook yielded: its runner carries on with these, in order
        return
    group.running = True
    try:
        while group.ready > 0 and group.hooks:
            group.ready -= 1
            fn = group.hooks.popleft()
            try:
                fn()
            except Exception:
                log.exception("after-commit hook %r failed", fn)
    finally:
        group.running = False


def _schedule(conn: sqlite3.Connection, group: _Group) -> None:
    if not group.scheduled:
        group.scheduled = True
        if group.later is not None and group.linger_s > 0:
            group.later(group.linger_s, lambda: _on_time(conn, group))
        else:
            group.schedule(lambda: _on_time(conn, group))


def after_commit(conn: sqlite3.Connection, fn: Callable[[], None]) -> None:
    """Run `fn` once everything written on `conn` so far is committed: at once if nothing
    waits for the group's commit, else right after that commit; always in the order asked."""
    group = _group_of(conn)
    if group is None:
        fn()
        return
    group.hooks.append(fn)
    if not group.pending and not group.depth:
        group.ready = len(group.hooks)
        _run_hooks(group)


@contextmanager
def transaction(conn: sqlite3.Connection, *, defer: bool = False) -> Iterator[sqlite3.Connection]:
    """One transaction around the block. The connection runs in autocommit mode
    (`isolation_level=None`), where `with conn:` alone begins nothing: each statement, and each
    row of an `executemany`, would commit on its own. Inside a block already running, the
    block joins it (the outer one commits). `defer`: see the module's doc."""
    group = _group_of(conn)
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
    asked = len(group.hooks)
    try:
        yield conn
    except BaseException:
        group.depth = 0
        while len(group.hooks) > asked:  # what the block asked for is rolled back with it
            group.hooks.pop()
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
        _after_commit(group)
        _committed(group)


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
    group = _group_of(conn)
    if group is not None:
        _flush(conn, group)

"""WAL checkpoints off the event loop.

SQLite copies the write-ahead log back into the database file (a checkpoint) inside whichever
COMMIT crosses `wal_autocheckpoint` pages: ~1,000 pages copied and the file synced, in the
controller's one event loop. Measured under `bench inbound`, that commit is the tail of every
commit (p99 7–15 ms, max 17–173 ms against a p50 of 0.1 ms), and every request, push and switch
event waits behind it. `Checkpointer` turns the automatic checkpoint off on the store's
connection and runs a PASSIVE checkpoint on a connection of its own in gevent's thread pool (a
real thread: SQLite releases the GIL while it copies), every `every_s`. A PASSIVE checkpoint
never waits for the writer and the writer never waits for it; the log is reused from its start
once a checkpoint has caught up. Should the thread fall behind (`max_pages` left in the log),
the loop's own connection takes the checkpoint back, as SQLite would have done.

The log is reused from its start only when a write begins with every frame of it checkpointed.
Under steady load a write always comes first (the group commit keeps a transaction open most of
the time), so the log grew without end: 16 MB in 2 s of back-to-back transactions, 370 MB in
30 s of `bench inbound` at 150 calls/s. Once a pass leaves the log at `restart_pages` frames or
more, the next group commit (`after_commit`, wired by `serve`: no transaction is open then)
checkpoints the few frames written since on the loop's own connection; the next write then
starts the log over, and `journal_size_limit` cuts the file back. (A RESTART checkpoint in the
thread needed the writer's lock, which back-to-back transactions almost never left free.)
"""

from __future__ import annotations

import logging
import sqlite3
import threading

import gevent

log = logging.getLogger(__name__)


class Checkpointer:
    def __init__(self, conn: sqlite3.Connection, path: str, every_s: float = 0.5,
                 max_pages: int = 20000, restart_pages: int = 4096,
                 size_limit: int = 64 << 20) -> None:
        self.conn, self.path = conn, path
        self.every_s, self.max_pages = every_s, max_pages
        self.restart_pages = restart_pages
        self.size_limit = size_limit  # bytes the log file is cut back to after a restart
        self.checkpoints = 0
        self.restarts = 0  # times the log was left fully checkpointed for a writer to restart
        self._restart_due = False
        self.copied = 0  # pages the background checkpoints copied into the database file
        self._own: sqlite3.Connection | None = None
        # Held by the pool thread while it checkpoints: `stop` must not close the connection
        # under it (a killed greenlet does not stop its thread; closing then crashed the process).
        self._lock = threading.Lock()
        self._greenlet: gevent.Greenlet | None = None

    def start(self) -> Checkpointer:
        if self.path == ":memory:" or self._greenlet is not None:
            return self
        self._own = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._own.execute("PRAGMA busy_timeout=5000")
        self.conn.execute("PRAGMA wal_autocheckpoint=0")
        self.conn.execute(f"PRAGMA journal_size_limit={int(self.size_limit)}")
        self._greenlet = gevent.spawn(self._run)
        return self

    def stop(self) -> None:
        """Back to SQLite's own checkpoints (the store's close checkpoints what is left)."""
        if self._greenlet is not None:
            self._greenlet.kill()
            self._greenlet = None
        with self._lock:  # waits for a checkpoint still running in the pool thread
            if self._own is not None:
                self._own.close()
                self._own = None
        self.conn.execute("PRAGMA wal_autocheckpoint=1000")

    def _run(self) -> None:
        pool = gevent.get_hub().threadpool
        while True:
            gevent.sleep(self.every_s)
            try:
                _, logged, copied = pool.apply(self._checkpoint)
            except Exception:  # a busy or closing store: the next turn tries again
                log.exception("background WAL checkpoint failed")
                continue
            self.checkpoints += 1
            self.copied += copied
            if self.restart_pages and logged >= self.restart_pages:
                self._restart_due = True  # finished by the next `after_commit`
            if logged - copied > self.max_pages:  # the thread cannot keep up: do it here
                log.warning("WAL at %d pages not checkpointed: checkpointing on the event loop",
                            logged - copied)
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def after_commit(self) -> None:
        """On the loop, right after a commit (no transaction open): when a pass found the log
        long, checkpoint what was written since it, so the next write starts the log over."""
        if not self._restart_due or self._greenlet is None:
            return
        self._restart_due = False
        try:
            busy, logged, copied = self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:  # the next pass asks again
            log.exception("WAL checkpoint before a restart failed")
            return
        if not busy and logged == copied:
            self.restarts += 1

    def _checkpoint(self) -> tuple[int, int, int]:
        """In a pool thread: (busy, pages in the log, pages checkpointed)."""
        with self._lock:
            if self._own is None:  # stopped meanwhile
                return 0, 0, 0
            row = self._own.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])

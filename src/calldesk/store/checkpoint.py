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
"""

from __future__ import annotations

import logging
import sqlite3
import threading

import gevent

log = logging.getLogger(__name__)


class Checkpointer:
    def __init__(self, conn: sqlite3.Connection, path: str, every_s: float = 0.5,
                 max_pages: int = 20000) -> None:
        self.conn, self.path = conn, path
        self.every_s, self.max_pages = every_s, max_pages
        self.checkpoints = 0
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
            if logged - copied > self.max_pages:  # the thread cannot keep up: do it here
                log.warning("WAL at %d pages not checkpointed: checkpointing on the event loop",
                            logged - copied)
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _checkpoint(self) -> tuple[int, int, int]:
        """In a pool thread: (busy, pages in the log, pages checkpointed)."""
        with self._lock:
            if self._own is None:  # stopped meanwhile
                return 0, 0, 0
            row = self._own.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])

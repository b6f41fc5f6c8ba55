"""Journal appends taken off a hot path and committed in batches, in order.

The leg journal writes a row for each create, answer, bridge and hangup of every leg. Written
inline from the ESL reader that is one SQLite transaction per event, paid by the reader. A
`BatchWriter` queues the rows instead and one writer greenlet commits what has gathered in one
transaction (`Journal.append_many`), then the notifier publishes them as before.

- Order: rows are committed in the order they were appended (one queue, one writer).
- Bounded: at `max_pending` queued rows the appender commits the queue itself (back-pressure,
  nothing dropped), so a stalled writer cannot grow memory without end.
- Nothing dropped: a batch leaves the queue only once its transaction committed. A failed commit
  is logged and retried; `stop()` (and `flush()`) commit everything still queued.
- `defer=True`: a batch joins the store's group commit (store.tx) instead of a COMMIT of its
  own; it leaves the queue once written in the group's open transaction, whose commit keeps
  the order of everything written (a crash loses it with all that came after it, never alone),
  and the notifier publishes it once committed.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any, Protocol

import gevent
import gevent.event

log = logging.getLogger(__name__)

Row = tuple[str, str, dict[str, Any], float]


class BatchTarget(Protocol):
    def append_many(self, entries: list[Row], *, defer: bool = False) -> None: ...


class BatchWriter:
    """`append` has the journal's signature (so it stands in for a `Journal`) but returns no
    sequence number: the row is committed by the writer shortly after."""

    def __init__(
        self,
        journal: BatchTarget,
        *,
        max_pending: int = 5000,
        max_batch: int = 1000,
        linger_s: float = 0.005,
        retry_s: float = 0.5,
        defer: bool = False,
    ) -> None:
        self.journal, self.defer = journal, defer
        self.max_pending, self.max_batch = max_pending, max_batch
        self.linger_s, self.retry_s = linger_s, retry_s
        self._queue: deque[Row] = deque()
        self._wake = gevent.event.Event()
        self._writer: gevent.Greenlet[[], None] | None = None
        self._stopping = False
        self.batches = 0  # transactions committed
        self.failures = 0  # commits that failed (their rows stayed queued)

    @property
    def pending(self) -> int:
        return len(self._queue)

    def start(self) -> BatchWriter:
        if self._writer is None:
            self._stopping = False
            self._writer = gevent.spawn(self._run)
        return self

    def append(self, kind: str, subject: str, data: dict[str, Any] | None, at: float) -> None:
        self._queue.append((kind, subject, data or {}, at))
        if len(self._queue) >= self.max_pending:
            try:  # the writer is behind: the appender commits (never drops, never waits)
                self.flush()
            except Exception:
                log.exception("journal batch of %d rows failed; kept, retrying", len(self._queue))
        elif not self._wake.is_set():
            self._wake.set()

    def flush(self) -> int:
        """Commit everything queued now, in order; returns the rows committed. A failed commit
        raises and leaves its rows (and all after them) queued."""
        done = 0
        while self._queue:
            batch = [self._queue[i] for i in range(min(self.max_batch, len(self._queue)))]
            try:
                self.journal.append_many(batch, defer=self.defer)
            except Exception:
                self.failures += 1
                raise
            for _ in batch:  # only once committed: a crash before this keeps them queued
                self._queue.popleft()
            self.batches += 1
            done += len(batch)
        return done

    def stop(self) -> None:
        """Stop the writer and commit everything still queued (raises if that commit fails)."""
        self._stopping = True
        self._wake.set()
        writer, self._writer = self._writer, None
        if writer is not None:  # let it finish the batch it may be committing, then exit
            writer.join(timeout=self.retry_s + 1.0)
            writer.kill()
        self.flush()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait()
            self._wake.clear()
            if (
                self.linger_s > 0 and not self._stopping
            ):  # let a burst of events gather into one transaction
                gevent.sleep(self.linger_s)
            try:
                self.flush()
            except Exception:
                log.exception("journal batch of %d rows failed; kept, retrying", len(self._queue))
                gevent.sleep(self.retry_s)
                self._wake.set()

"""The notifier: every journal entry is published in process, in sequence order, exactly once.

The sequence number is the journal row id, so a subscriber that missed entries (a reconnecting
WebSocket client, a webhook worker after a crash) reads them back from the journal with
`Journal.read(after_id=seq)` and then follows the live stream: nothing lost, nothing twice.
Subscribers run in the appending greenlet: they must be quick (hand the entry to a bounded queue
or fold it into a read model) and never block. A failing subscriber is logged and skipped.

Entries written by another process (the CLI) reach the same stream: once `follow(journal)` is
called, a gap before an entry this process appends is read back from the journal and published
first, and `catch_up()` (run by `tail` on a short cadence) publishes what others appended while
this process appended nothing. Ids at or below `last_seq` are never published again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol

import gevent

from calldesk.store.journal import Entry

log = logging.getLogger(__name__)

Subscriber = Callable[[Entry], None]
TAIL_EVERY_S = 0.25


class Source(Protocol):
    def read(self, *, after_id: int = 0, limit: int | None = None) -> Iterable[Entry]: ...

    def last_id(self) -> int: ...


class Notifier:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.last_seq = 0  # the newest sequence number published
        self._source: Source | None = None

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Call `fn(entry)` for every entry appended from now on; returns the unsubscribe."""
        self._subscribers.append(fn)

        def unsubscribe() -> None:
            if fn in self._subscribers:
                self._subscribers.remove(fn)

        return unsubscribe

    def follow(self, source: Source) -> Notifier:
        """Publish from the journal's current end on, including what other processes append
        (before this process's next entry, or at the next `catch_up`)."""
        self._source = source
        self.last_seq = max(self.last_seq, source.last_id())
        return self

    def catch_up(self, before: int | None = None) -> int:
        """Publish the journal's entries after `last_seq` (below `before`, if given) that this
        process did not append; returns how many. Reads and publishes without yielding."""
        if self._source is None:
            return 0
        n = 0
        while True:
            batch = [
                e
                for e in self._source.read(after_id=self.last_seq, limit=500)
                if before is None or e.id < before
            ]
            if not batch:
                return n
            self._deliver(batch)
            n += len(batch)
            if len(batch) < 500:
                return n

    def publish(self, entries: Iterable[Entry]) -> None:
        """In journal order; called by the journal after each committed append."""
        for entry in entries:
            if entry.id <= self.last_seq:
                continue  # published already (read back by a catch-up)
            if self._source is not None and entry.id > self.last_seq + 1:
                self.catch_up(before=entry.id)  # another process wrote the gap
            self._deliver([entry])

    def _deliver(self, entries: list[Entry]) -> None:
        for entry in entries:
            self.last_seq = max(self.last_seq, entry.id)
            for fn in list(self._subscribers):
                try:
                    fn(entry)
                except Exception:
                    log.exception("notifier subscriber %r failed on seq %d", fn, entry.id)


def tail(notifier: Notifier, every_s: float = TAIL_EVERY_S) -> None:
    """Run forever (a greenlet): publish other processes' journal entries as they appear."""
    while True:
        try:
            notifier.catch_up()
        except Exception:  # a locked or closing store: try again at the next turn
            log.exception("journal tail failed; retrying")
        gevent.sleep(every_s)


__all__ = ["Notifier", "Subscriber", "tail"]

"""The notifier: every journal append is published in process, in sequence order.

The sequence number is the journal row id, so a subscriber that missed entries (a reconnecting
WebSocket client, a webhook worker after a crash) reads them back from the journal with
`Journal.read(after_id=seq)` and then follows the live stream: nothing lost, nothing twice.
Subscribers run in the appending greenlet: they must be quick (hand the entry to a bounded queue
or fold it into a read model) and never block. A failing subscriber is logged and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from calldesk.store.journal import Entry

log = logging.getLogger(__name__)

Subscriber = Callable[[Entry], None]


class Notifier:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.last_seq = 0  # the newest sequence number published

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Call `fn(entry)` for every entry appended from now on; returns the unsubscribe."""
        self._subscribers.append(fn)

        def unsubscribe() -> None:
            if fn in self._subscribers:
                self._subscribers.remove(fn)

        return unsubscribe

    def publish(self, entries: Iterable[Entry]) -> None:
        """In journal order; called by the journal after each committed append."""
        for entry in entries:
            self.last_seq = max(self.last_seq, entry.id)
            for fn in list(self._subscribers):
                try:
                    fn(entry)
                except Exception:
                    log.exception("notifier subscriber %r failed on seq %d", fn, entry.id)


__all__ = ["Notifier", "Subscriber"]

"""The API's own journal lines (`api.request` for a state change, `api.read` for a read), queued
and written together: one transaction every `every_s` instead of one commit per request. They
are journal entries like any other (the notifier publishes them with their seq when written),
but no push topic carries `api.*` kinds (`calldesk.web.events.PRIVATE`), so the fetches a pushed
event causes never cause another pushed event.
"""

from __future__ import annotations

import logging
from typing import Any

import gevent

from calldesk.store.journal import Journal

log = logging.getLogger(__name__)

EVERY_S = 0.05
MAX_PENDING = 5000  # written at once beyond this, whatever the cadence


class Audit:
    def __init__(self, journal: Journal, every_s: float = EVERY_S) -> None:
        self.journal = journal
        self.every_s = every_s
        self._pending: list[tuple[str, str, dict[str, Any], float]] = []
        self._timer: gevent.Greenlet | None = None

    def add(self, kind: str, subject: str, data: dict[str, Any], at: float) -> None:
        self._pending.append((kind, subject, data, at))
        if len(self._pending) >= MAX_PENDING:
            self.flush()
        elif self._timer is None:
            self._timer = gevent.spawn_later(self.every_s, self.flush)

    def flush(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None and timer is not gevent.getcurrent():
            timer.kill(block=False)
        rows, self._pending = self._pending, []
        if not rows:
            return
        try:
            self.journal.append_many(rows)
        except Exception:
            log.exception("%d API journal lines not written", len(rows))

    @property
    def pending(self) -> int:
        return len(self._pending)

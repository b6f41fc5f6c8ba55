"""Per-key ordered dispatch: events of one leg run in order, different legs run in parallel.

greenswitch runs every handler of every event in one greenlet, so one slow handler stalls the
whole switch. Here each key (a leg's Unique-ID, or "" for switch-wide events) has its own queue
and its own greenlet, which exits when the queue drains.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

import gevent

log = logging.getLogger(__name__)


class Lanes:
    def __init__(self, run: Callable[[Any], None]) -> None:
        self._run = run
        self._queues: dict[str, deque[Any]] = {}
        self.max_depth = 0

    def submit(self, key: str, item: Any) -> None:
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(item)
            self.max_depth = max(self.max_depth, len(queue))
            return
        queue = deque([item])
        self._queues[key] = queue
        # A raw greenlet: no Greenlet object, links or exception bookkeeping (`_drain` catches
        # everything itself); a lane is spawned for nearly every event, so this is hot.
        gevent.spawn_raw(self._drain, key, queue)

    def _drain(self, key: str, queue: deque[Any]) -> None:
        try:
            while queue:
                item = queue.popleft()
                try:
                    self._run(item)
                except Exception:
                    log.exception("event handler failed (lane %s)", key or "switch")
        finally:
            if self._queues.get(key) is queue:
                del self._queues[key]

    @property
    def busy(self) -> int:
        return len(self._queues)

    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values())

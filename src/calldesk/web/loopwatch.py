"""How late the event loop wakes a timer: every request, push and switch event shares one gevent
hub, so a greenlet that runs long without yielding delays all of them by as much. A greenlet
sleeps `tick_s` over and over; each wake-up's lateness goes to `/metrics`
(`calldesk_loop_lag_seconds`, a histogram, and `calldesk_loop_lag_max_seconds`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import gevent

TICK_S = 0.01


class LoopWatch:
    def __init__(self, observe: Callable[[float], None], tick_s: float = TICK_S) -> None:
        self.observe, self.tick_s = observe, tick_s
        self.max_s = 0.0
        self._greenlet: gevent.Greenlet | None = None

    def late(self, seconds: float) -> None:
        """One wake-up, `seconds` after it was due."""
        seconds = max(0.0, seconds)
        self.max_s = max(self.max_s, seconds)
        self.observe(seconds)

    def start(self) -> LoopWatch:
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._run)
        return self

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill()
            self._greenlet = None

    def _run(self) -> None:
        while True:
            due = time.monotonic() + self.tick_s
            gevent.sleep(self.tick_s)
            self.late(time.monotonic() - due)

"""One clock for all sim timing: simulated seconds run `time_scale` times faster than wall time."""

from __future__ import annotations

import time

import gevent


class Clock:
    def __init__(self, time_scale: float = 1.0, epoch: float | None = None) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self.time_scale = float(time_scale)
        self._t0 = time.monotonic()
        self._epoch0 = time.time() if epoch is None else epoch

    def now(self) -> float:
        """Simulated seconds since the clock started."""
        return (time.monotonic() - self._t0) * self.time_scale

    def epoch(self) -> float:
        """Simulated wall-clock time (seconds since the Unix epoch)."""
        return self._epoch0 + self.now()

    def sim_time(self, epoch: float) -> float:
        """The `now()` value of the simulated instant `epoch` (the inverse of `epoch()`)."""
        return epoch - self._epoch0

    def epoch_us(self) -> int:
        return int(self.epoch() * 1_000_000)

    def wall(self, sim_seconds: float) -> float:
        return max(0.0, sim_seconds) / self.time_scale

    def sleep(self, sim_seconds: float) -> None:
        gevent.sleep(self.wall(sim_seconds))

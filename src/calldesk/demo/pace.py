"""Is the demo keeping up with its time scale? A watch that wakes every tick and measures how
late it woke (the event loop was busy), and the callers' own lateness against their plan.

At time scale 20, a loop stalled for 50 ms is a simulated second in which nothing moved: rings
run late, leases expire, callers hang up. The demo says so instead of reporting figures from a
run that was not the one it claimed to simulate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import gevent

TICK_S = 0.05  # wall seconds between wake-ups
BEHIND_SIM_S = 1.0  # one stall worth a simulated second or more: the run fell behind


@dataclass
class Pace:
    time_scale: float
    stalls_ms: list[float] = field(default_factory=list)  # wall lateness of every late wake-up
    arrival_late_s: float = 0.0  # simulated seconds the latest-placed caller came after plan
    _watch: gevent.Greenlet | None = None

    def start(self) -> Pace:
        self._watch = gevent.spawn(self._run)
        return self

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.kill()
            self._watch = None

    def _run(self) -> None:
        while True:
            due = time.monotonic() + TICK_S
            gevent.sleep(TICK_S)
            late = time.monotonic() - due
            if late * self.time_scale >= 0.1:  # a tenth of a simulated second or more
                self.stalls_ms.append(late * 1000)

    def caller_placed(self, planned_s: float, actual_s: float) -> None:
        self.arrival_late_s = max(self.arrival_late_s, actual_s - planned_s)

    def figures(self) -> dict[str, Any]:
        worst = max(self.stalls_ms, default=0.0)
        behind_s = sum(self.stalls_ms) / 1000 * self.time_scale
        return {
            "fell_behind": worst / 1000 * self.time_scale >= BEHIND_SIM_S
            or self.arrival_late_s >= BEHIND_SIM_S,
            "loop_stalls": len(self.stalls_ms),
            "loop_stall_max_ms": round(worst, 1),
            "simulated_s_lost_to_stalls": round(behind_s, 1),
            "caller_arrival_late_max_s": round(self.arrival_late_s, 2),
        }

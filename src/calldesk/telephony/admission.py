"""Admission of new callers: when the controller falls behind its switches, new callers are
turned away (busy) instead of being taken on and stranded.

The signal is how late the controller reads the switch's events: each new caller's
CHANNEL_PARK carries the switch's time (`Event-Date-Timestamp`). The lag is that event's age when
it is handled, measured against the smallest age seen over `window_s` (so a clock offset between
the switch and the controller cancels out). Above `shed_lag_s` new callers are shed until the lag
is back under `resume_lag_s`. Callers already taken on, agents' legs and everything else are never
shed. Above `pace_lag_s` the controller is `behind`: its switch readers then take longer runs
(`SwitchConnection.pace`), intake before API latency, which keeps it from reaching `shed_lag_s`.
Pure: time comes in as arguments.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from calldesk.errors import ConfigError


@dataclass
class Admission:
    shed_lag_s: float = 2.0  # 0: never shed
    resume_lag_s: float = 0.5
    window_s: float = 120.0
    pace_lag_s: float = 0.25
    shedding: bool = False
    behind: bool = False  # callers' events come over `pace_lag_s` late
    lag_s: float = 0.0  # the newest lag measured
    shed: int = 0  # callers turned away so far
    _low: deque[tuple[float, float]] = field(default_factory=deque, repr=False)

    @classmethod
    def from_config(cls, section: dict[str, Any], time_scale: float = 1.0) -> Admission:
        """`intake: {shed_lag_s, resume_lag_s}`, in real seconds (scaled to the clock's)."""
        shed, resume = float(section["shed_lag_s"]), float(section["resume_lag_s"])
        if shed < 0:
            raise ConfigError("intake.shed_lag_s", f"must be >= 0 (0: never shed), not {shed}")
        if shed and not 0 <= resume < shed:
            raise ConfigError(
                "intake.resume_lag_s", f"must be >= 0 and below shed_lag_s ({shed}), not {resume}"
            )
        return cls(shed * time_scale, resume * time_scale, window_s=120.0 * time_scale,
                   pace_lag_s=0.25 * time_scale)

    def observe(self, event_at: float, now: float) -> float:
        """One event's switch time and the controller's time now; returns the lag."""
        age = now - event_at
        low = self._low  # (time, age), ages increasing: its head is the window's minimum
        while low and low[-1][1] >= age:
            low.pop()
        low.append((now, age))
        while low[0][0] < now - self.window_s:
            low.popleft()
        self.lag_s = max(0.0, age - low[0][1])
        return self.lag_s

    def admit(self, event_at: float, now: float) -> bool:
        """May a new caller whose park the switch stamped `event_at` be taken on now?"""
        if event_at <= 0:
            return True
        lag = self.observe(event_at, now)
        self.behind = lag > self.pace_lag_s
        if self.shed_lag_s <= 0:
            return True
        if self.shedding and lag <= self.resume_lag_s:
            self.shedding = False
        elif not self.shedding and lag > self.shed_lag_s:
            self.shedding = True
        if self.shedding:
            self.shed += 1
        return not self.shedding

"""Drop-rate control: the predictive θ controller, and the VICIdial-style adaptive dial level.

`DropController` is a stochastic-approximation loop on log θ: every answer that reached an agent
raises it by `gain * target`, every drop lowers it by `gain * (1 - target)`, so it settles where
drops / answers = target. A guard keeps the cap itself: while the drops so far (over the whole
campaign and over the current period, e.g. the day) leave less than one drop of budget under the
cap, θ falls to `safe_theta` and the dialer paces almost as progressive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Tally:
    answers: int = 0
    drops: int = 0

    def rate(self) -> float:
        return self.drops / self.answers if self.answers else 0.0

    def budget(self, cap: float) -> float:
        """Drops that could still happen now without the rate so far exceeding the cap."""
        return cap * self.answers - self.drops


@dataclass
class DropController:
    cap: float = 0.03
    margin: float = 0.85  # aim at cap * margin
    gain: float = 0.05
    theta: float = 0.02
    safe_theta: float = 0.002
    min_theta: float = 1e-4
    max_theta: float = 0.5
    reserve: float = 1.0  # drops of budget kept in hand
    total: Tally = field(default_factory=Tally)
    period: Tally = field(default_factory=Tally)

    @property
    def target(self) -> float:
        return self.cap * self.margin

    def answered(self, dropped: bool) -> None:
        for t in (self.total, self.period):
            t.answers += 1
            t.drops += dropped
        step = -(1 - self.target) if dropped else self.target
        log = math.log(self.theta) + self.gain * step
        self.theta = min(self.max_theta, max(self.min_theta, math.exp(log)))

    def new_period(self) -> None:
        self.period = Tally()

    def budget(self) -> float:
        return min(self.total.budget(self.cap), self.period.budget(self.cap))

    def effective_theta(self) -> float:
        if self.budget() < self.reserve:
            return min(self.theta, self.safe_theta)
        return self.theta


@dataclass
class AdaptiveLevel:
    """VICIdial-style: a dial level (lines per waiting agent) raised while the drop rate of the
    period is under the cap and agents wait, lowered when it is over; at or over the cap it
    drops to 1.0 (ADAPT_HARD_LIMIT)."""

    cap: float = 0.03
    level: float = 1.0
    step_up: float = 0.1
    step_down: float = 0.25
    max_level: float = 5.0
    every_s: float = 15.0
    last_at: float | None = None
    idle_seen: bool = False

    def update(self, now: float, drop_rate: float, free_agents: int) -> float:
        self.idle_seen = self.idle_seen or free_agents > 0
        if self.last_at is None:
            self.last_at = now
        if now - self.last_at < self.every_s:
            return self.level
        self.last_at = now
        if drop_rate >= self.cap:
            self.level = 1.0
        elif drop_rate >= self.cap * 0.8:
            self.level = max(1.0, self.level - self.step_down)
        elif self.idle_seen:
            self.level = min(self.max_level, self.level + self.step_up)
        self.idle_seen = False
        return self.level

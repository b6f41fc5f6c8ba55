"""What a virtual-time run needs: traffic streams, agents and queues, and its results."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from calldesk.acd import AgentConfig, AgentPolicy, CapacityRules, QueueConfig

HANDLE_MODELS = ("exponential", "lognormal")


@dataclass(frozen=True)
class Traffic:
    """One arrival stream: Poisson arrivals into `queue`, handle and patience models."""

    queue: str
    calls_per_hour: float
    aht_s: float
    patience_s: float | None = None  # mean of exponential patience; None = infinite
    handle: str = "exponential"
    handle_sigma: float = 0.5  # log-normal shape; the mean stays `aht_s`
    medium: str = "voice"
    skills: dict[str, int] = field(default_factory=dict)

    def handle_time(self, rng: random.Random) -> float:
        if self.handle == "lognormal":
            s = self.handle_sigma
            return rng.lognormvariate(math.log(self.aht_s) - s * s / 2, s)
        return rng.expovariate(1.0 / self.aht_s)


@dataclass(frozen=True)
class Scenario:
    queues: tuple[QueueConfig, ...]
    agents: tuple[AgentConfig, ...]
    traffic: tuple[Traffic, ...]
    hours: float = 8.0
    sl_seconds: float = 20.0
    seed: int = 1
    rules: CapacityRules = field(default_factory=CapacityRules)
    policy: AgentPolicy = field(default_factory=lambda: AgentPolicy(lease_s=3600, rona_after=0))


@dataclass
class QueueResult:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    overflowed: int = 0
    answered_in_sl: int = 0
    wait_answered_s: float = 0.0
    longest_wait_s: float = 0.0
    handle_s: float = 0.0

    def figures(self, agents: int, horizon_s: float, units: int = 1) -> dict[str, float | int]:
        """`units`: interactions an agent holds at once on this medium (3 chats = 1 agent busy)."""
        n = max(self.offered, 1)
        busy = self.handle_s / max(units, 1)
        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "overflowed": self.overflowed,
            "service_level": self.answered_in_sl / n,
            "abandon_rate": self.abandoned / n,
            "asa_s": self.wait_answered_s / self.answered if self.answered else 0.0,
            "occupancy": busy / (agents * horizon_s) if agents and horizon_s else 0.0,
            "longest_wait_s": self.longest_wait_s,
        }


def single_queue(
    agents: int,
    calls_per_hour: float,
    aht_s: float,
    patience_s: float | None,
    hours: float,
    sl_seconds: float,
    seed: int,
    handle: str = "exponential",
) -> Scenario:
    """The M/M/N(+M) set-up of `calldesk simulate` without a scenario file."""
    q = QueueConfig("main", sl_seconds=sl_seconds, aht_s=aht_s)
    staff = tuple(AgentConfig(f"agent{n:04d}", f"sim/{n}", queues=("main",)) for n in range(agents))
    traffic = Traffic("main", calls_per_hour, aht_s, patience_s, handle)
    return Scenario((q,), staff, (traffic,), hours, sl_seconds, seed)

"""An outbound scenario for the virtual-time simulator: callees, agents, and how they behave.

Callees answer (a live person), are answering machines, are busy, fail, or do not answer, at the
configured rates. Times to answer are log-normal (truncated under the ring timeout: a callee who
would answer later is a no-answer at the same rate), busy and failed come back within seconds.
AMD, when on, needs `amd_human_s` to pass a person (their "hello" and the silence after it) and
`amd_machine_s` to catch a greeting; it misjudges at the false-positive/negative rates.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, fields


def lognormal(rng: random.Random, mean: float, sigma: float) -> float:
    if mean <= 0:
        return 0.0
    if sigma <= 0:
        return mean
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


@dataclass(frozen=True)
class OutboundScenario:
    agents: int = 20
    mode: str = "predictive"
    hours: float = 8.0  # per day
    days: int = 1
    list_size: int = 10_000_000
    connect_rate: float = 0.30  # live person answers, of attempts
    machine_rate: float = 0.10
    busy_rate: float = 0.08
    failed_rate: float = 0.04  # the rest do not answer
    ring_timeout_s: float = 25.0
    answer_after_s: float = 8.0  # mean time to answer (log-normal)
    answer_sigma: float = 0.5
    amd: bool = False
    amd_false_positive: float = 0.02  # a person judged a machine (counts as abandoned)
    amd_false_negative: float = 0.10  # a machine passed to an agent
    amd_human_s: float = 1.0
    amd_machine_s: float = 3.0
    talk_s: float = 120.0
    talk_dist: str = "lognormal"  # or exponential
    talk_sigma: float = 0.6
    wrap_s: float = 10.0
    wrap_sigma: float = 0.3
    machine_talk_s: float = 8.0  # an agent on an undetected machine hangs up after this
    abandon_cap: float = 0.03
    grace_s: float = 2.0
    ratio: float = 2.0  # power mode
    pacing_interval_s: float = 1.0
    max_ringing: int = 10_000
    inbound_per_hour: float = 0.0  # blending: Poisson inbound calls taken first
    inbound_aht_s: float = 180.0
    inbound_sl_s: float = 20.0
    inbound_patience_s: float = 120.0
    seed: int = 1

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, int | float) and not isinstance(v, bool) and v < 0:
                raise ValueError(f"{f.name}: must be >= 0, got {v!r}")
        rates = self.connect_rate + self.machine_rate + self.busy_rate + self.failed_rate
        if rates > 1.0 + 1e-9:
            raise ValueError("connect_rate + machine_rate + busy_rate + failed_rate: exceed 1")
        if self.talk_dist not in ("lognormal", "exponential"):
            raise ValueError("talk_dist: expected lognormal or exponential")
        if self.ring_timeout_s < 15:
            raise ValueError("ring_timeout_s: must be at least 15 s")
        if self.agents < 1 or self.days < 1:
            raise ValueError("agents, days: must be at least 1")

    def replace(self, **kw: object) -> OutboundScenario:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d.update(kw)
        return OutboundScenario(**d)  # type: ignore[arg-type]

    # -- sampling ----------------------------------------------------------------------------
    def callee(self, rng: random.Random) -> tuple[str, float]:
        """(truth, seconds until the ring phase ends): live, machine, busy, failed, no_answer."""
        u = rng.random()
        if u < self.connect_rate + self.machine_rate:
            kind = "live" if u < self.connect_rate else "machine"
            while True:
                t = lognormal(rng, self.answer_after_s, self.answer_sigma)
                if t < self.ring_timeout_s:
                    return kind, t
        u -= self.connect_rate + self.machine_rate
        if u < self.busy_rate:
            return "busy", rng.uniform(2.0, 6.0)
        if u < self.busy_rate + self.failed_rate:
            return "failed", rng.uniform(0.5, 3.0)
        return "no_answer", self.ring_timeout_s

    def talk(self, rng: random.Random) -> float:
        if self.talk_dist == "exponential":
            return rng.expovariate(1.0 / self.talk_s) if self.talk_s > 0 else 0.0
        return lognormal(rng, self.talk_s, self.talk_sigma)

    def wrap(self, rng: random.Random) -> float:
        return lognormal(rng, self.wrap_s, self.wrap_sigma)

    def amd_verdict(self, rng: random.Random, truth: str) -> tuple[str, float]:
        """(verdict "human"|"machine", seconds AMD took after the answer)."""
        if truth == "live":
            wrong = rng.random() < self.amd_false_positive
            return ("machine" if wrong else "human"), lognormal(rng, self.amd_human_s, 0.3)
        wrong = rng.random() < self.amd_false_negative
        return ("human" if wrong else "machine"), lognormal(rng, self.amd_machine_s, 0.3)

"""Routing decision cost in the pure ACD core: 1,000 agents, 50 queues, 5,000 waiting.

Every agent is busy and 5,000 interactions wait. Each step ends one agent's interaction: the core
then picks, across that agent's queues, the interaction the fairness rule says it must take, and
offers it (one "freed agent" decision). A new arrival keeps the backlog at 5,000 (an "arrival,
nobody free" decision). A second phase times arrivals while 200 agents are idle (the strategy
chooses among candidates). One in ten interactions needs an extra language skill, so scans skip.

Each decision is timed in CPU time (`process_time_ns`: another process on the core does not
count). Garbage-collector pauses are timed apart (`gc.callbacks`) and taken out of the decision
they fell in, then reported on their own: count, total and longest.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from typing import Any

from calldesk.acd import Acd, AgentConfig, AgentPolicy, Offer, QueueConfig
from calldesk.acd import events as ev

STRATEGIES = ("longest_idle", "round_robin", "fewest_calls", "best_skill", "least_talk_time")


def build(seed: int) -> tuple[Acd, random.Random]:
    rng = random.Random(seed)
    queues = [
        QueueConfig(
            f"q{n:02d}",
            skills=((f"s{n % 10}", 1),),
            priority=n % 3,
            strategy=STRATEGIES[n % len(STRATEGIES)],
            aging_every_s=60,
            aging_max=2,
        )
        for n in range(50)
    ]
    agents = []
    for n in range(1000):
        mine = rng.sample(range(50), 3)
        skills = {f"s{q % 10}": rng.randint(1, 5) for q in mine}
        if rng.random() < 0.5:
            skills["lang"] = 3
        queues_of = tuple(f"q{q:02d}" for q in mine)
        agents.append(AgentConfig(f"a{n:04d}", f"user/{n}", skills=skills, queues=queues_of))
    policy = AgentPolicy(lease_s=1e9, rona_after=0)
    return Acd(queues, agents, policy=policy, seed=seed, keep_journal=False), rng


def arrival(acd: Acd, rng: random.Random, n: int, now: float) -> list:
    extra = {"lang": 2} if rng.random() < 0.1 else {}
    return acd.handle(
        ev.InteractionArrived(f"i{n}", f"q{rng.randrange(50):02d}", skills=extra), now
    )


def accept_all(acd: Acd, decisions: list, now: float, busy: dict[str, str]) -> None:
    for d in decisions:
        if isinstance(d, Offer):
            acd.handle(ev.OfferAccepted(d.id), now)
            busy[d.agent] = d.interaction


class GcPauses:
    """Collector pauses, timed by `gc.callbacks` while installed."""

    def __init__(self) -> None:
        self.pauses_ns: list[int] = []
        self.total_ns = 0
        self._started = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.process_time_ns()
        else:
            pause = time.process_time_ns() - self._started
            self.pauses_ns.append(pause)
            self.total_ns += pause

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


class Timer:
    """CPU time of each decision, less the collector pauses inside it."""

    def __init__(self, pauses: GcPauses) -> None:
        self.pauses = pauses

    def __call__(self, fn: Any, *args: Any) -> tuple[Any, int]:
        gc_before = self.pauses.total_ns
        t0 = time.process_time_ns()
        out = fn(*args)
        spent = time.process_time_ns() - t0 - (self.pauses.total_ns - gc_before)
        return out, max(0, spent)


def _freed_phase(decisions: int, seed: int, timed: Timer) -> tuple[list[int], list[int], dict]:
    acd, rng = build(seed)
    now, n, busy = 0.0, 0, {}
    for a in acd.agents:
        acd.handle(ev.AgentLogin(a, ready=True), now)
    while sum(len(w) for w in acd.router.waiting.values()) < 5000:
        now += 0.01
        n += 1
        accept_all(acd, arrival(acd, rng, n, now), now, busy)
    setup = {
        "agents": len(acd.agents),
        "busy": len(busy),
        "queues": len(acd.queues),
        "waiting": sum(len(w) for w in acd.router.waiting.values()),
    }
    freed_ns, arrive_ns, offers = [], [], 0
    agents = sorted(busy)
    for _ in range(decisions):
        now += 0.01
        agent = rng.choice(agents)
        out, spent = timed(acd.handle, ev.InteractionEnded(busy.pop(agent)), now)
        freed_ns.append(spent)
        offers += sum(isinstance(d, Offer) for d in out)
        accept_all(acd, out, now, busy)
        if agent not in busy:  # nothing it may take: give it a private call to stay busy
            acd.handle(ev.DirectCallStarted(agent, "filler"), now)
            acd.handle(ev.AgentCallEnded(agent, "filler"), now)
            busy.setdefault(agent, "")
        n += 1
        out, spent = timed(arrival, acd, rng, n, now)
        arrive_ns.append(spent)
        accept_all(acd, out, now, busy)
    setup["offers"] = offers
    return freed_ns, arrive_ns, setup


def _idle_phase(decisions: int, seed: int, timed: Timer) -> list[int]:
    acd, rng = build(seed + 1)
    for a in acd.agents:
        acd.handle(ev.AgentLogin(a, ready=True), 0.0)
    busy: dict[str, str] = {}
    m = 0
    while len(busy) < 800:
        m += 1
        accept_all(acd, arrival(acd, rng, m, 0.0), 0.0, busy)
    idle_ns = []
    for k in range(decisions):
        t = 1.0 + k * 0.01
        m += 1
        out, spent = timed(arrival, acd, rng, m, t)
        idle_ns.append(spent)
        for d in out:
            if isinstance(d, Offer):
                acd.handle(ev.OfferAccepted(d.id), t)
                acd.handle(ev.InteractionEnded(d.interaction), t)
    return idle_ns


def _figures(xs: list[int]) -> dict[str, float]:
    s = sorted(xs)
    at = lambda p: s[min(len(s) - 1, int(p * len(s)))] / 1e6  # noqa: E731
    return {
        "p50_ms": round(at(0.5), 4),
        "p99_ms": round(at(0.99), 4),
        "max_ms": round(s[-1] / 1e6, 4),
        "mean_ms": round(statistics.fmean(s) / 1e6, 4),
    }


def run(decisions: int = 20000, seed: int = 1) -> dict[str, Any]:
    with GcPauses() as pauses:
        timed = Timer(pauses)
        freed, arrive, setup = _freed_phase(decisions, seed, timed)
        idle = _idle_phase(decisions, seed, timed)
    p = sorted(pauses.pauses_ns)
    return {
        "clock": "CPU time (process_time_ns), GC pauses taken out",
        "setup": setup,
        "agent_freed": _figures(freed),
        "arrival_nobody_free": _figures(arrive),
        "arrival_200_idle": _figures(idle),
        "gc_pauses": {
            "count": len(p),
            "total_ms": round(sum(p) / 1e6, 3),
            "max_ms": round((p[-1] if p else 0) / 1e6, 3),
        },
    }

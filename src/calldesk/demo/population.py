"""Simulated callers and agents for the demo: a seeded plan, no IO.

Times are in simulated seconds (the switch's time scale compresses them)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CallerPlan:
    """One caller: when they dial, what they press, how long they wait and talk."""

    index: int
    arrive_s: float
    did: str
    caller_id: str
    name: str
    dtmf: list[tuple[float, str]] = field(default_factory=list)  # seconds after answer
    patience_s: float = 120.0  # waiting in queue; then they hang up if nobody answered
    talk_s: float = 60.0  # once bridged to an agent


@dataclass(frozen=True)
class AgentPlan:
    agent: str
    contact: str
    answer_after_s: float


# What a caller presses in each sample flow (type-ahead during the prompts is fine).
SCRIPTS: dict[str, list[list[tuple[float, str]]]] = {
    "hello": [[(1.5, "1")], [(1.5, "2")]],
}


def plan_callers(
    n: int,
    *,
    did: str,
    flow: str,
    seed: int,
    calls_per_minute: float = 10.0,
    patience_s: float = 90.0,
    talk_s: float = 45.0,
) -> list[CallerPlan]:
    """Poisson arrivals; exponential patience and talk times around the given means."""
    rng = random.Random(seed)
    scripts = SCRIPTS.get(flow, [[]])
    t = 0.0
    plans = []
    for i in range(n):
        t += rng.expovariate(calls_per_minute / 60.0)
        plans.append(
            CallerPlan(
                index=i,
                arrive_s=round(t, 3),
                did=did,
                caller_id=f"+1555{rng.randint(2000000, 9999999)}",
                name=f"Caller {i + 1}",
                dtmf=list(rng.choice(scripts)),
                patience_s=round(20.0 + rng.expovariate(1.0 / patience_s), 1),
                talk_s=round(5.0 + rng.expovariate(1.0 / talk_s), 1),
            )
        )
    return plans


def plan_agents(agents: list[tuple[str, str]], *, seed: int) -> list[AgentPlan]:
    rng = random.Random(seed + 1)
    return [AgentPlan(agent, contact, round(rng.uniform(1.0, 3.0), 2)) for agent, contact in agents]

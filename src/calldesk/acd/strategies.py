"""Agent selection strategies. Each picks among eligible candidates, deterministically given a seed."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

from calldesk.acd.agents import Agent


@dataclass
class Context:
    """What a strategy may look at besides the candidates."""

    queue_skills: tuple[tuple[str, int], ...]
    positions: Mapping[str, int]  # agent id -> place in the queue's member list
    last_index: int  # round-robin: position of the last agent chosen in this queue
    rng: random.Random


Picked = tuple[list[Agent], str]
Strategy = Callable[[Sequence[Agent], Context], Picked]

_FAR = 1 << 30


_IDLE_KEY = attrgetter("idle_since", "cfg.id")  # (idle_since, id) at C speed: runs per agent


def longest_idle(c: Sequence[Agent], ctx: Context) -> Picked:
    a = min(c, key=_IDLE_KEY)
    return [a], f"idle since {a.idle_since:g}"


def round_robin(c: Sequence[Agent], ctx: Context) -> Picked:
    n = max(len(ctx.positions), 1)

    def turn(a: Agent) -> tuple[int, str]:
        pos = ctx.positions.get(a.id, _FAR)
        return ((pos - ctx.last_index - 1) % n if pos != _FAR else _FAR, a.id)

    a = min(c, key=turn)
    return [a], f"next after position {ctx.last_index}"


def least_talk_time(c: Sequence[Agent], ctx: Context) -> Picked:
    a = min(c, key=lambda a: (a.talk_s, a.idle_since, a.id))
    return [a], f"talk time {a.talk_s:g}s"


def fewest_calls(c: Sequence[Agent], ctx: Context) -> Picked:
    a = min(c, key=lambda a: (a.handled, a.idle_since, a.id))
    return [a], f"handled {a.handled}"


def ring_all(c: Sequence[Agent], ctx: Context) -> Picked:
    return sorted(c, key=lambda a: a.id), "ring all; first to answer wins"


def linear(c: Sequence[Agent], ctx: Context) -> Picked:
    a = min(c, key=lambda a: (ctx.positions.get(a.id, _FAR), a.id))
    return [a], f"top-down position {ctx.positions.get(a.id, _FAR)}"


def random_pick(c: Sequence[Agent], ctx: Context) -> Picked:
    a = ctx.rng.choice(sorted(c, key=lambda a: a.id))
    return [a], "random (seeded)"


def best_skill(c: Sequence[Agent], ctx: Context) -> Picked:
    def score(a: Agent) -> int:
        return sum(a.level(s) for s, _ in ctx.queue_skills)

    a = min(c, key=lambda a: (-score(a), a.idle_since, a.id))
    return [a], f"proficiency {score(a)}, then idle since {a.idle_since:g}"


STRATEGY_FUNCS: dict[str, Strategy] = {
    "longest_idle": longest_idle,
    "round_robin": round_robin,
    "least_talk_time": least_talk_time,
    "fewest_calls": fewest_calls,
    "ring_all": ring_all,
    "linear": linear,
    "random": random_pick,
    "best_skill": best_skill,
}

"""One customer contact on any medium, from arrival to wrap-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class InteractionState(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    DIALING = "dialing"  # queued callback: agent reserved, customer being dialed
    CONNECTED = "connected"
    RETRY = "retry"  # queued callback waiting for its next attempt
    ENDED = "ended"
    ABANDONED = "abandoned"
    OVERFLOWED = "overflowed"


@dataclass(eq=False)
class Interaction:
    """Runtime record of an interaction. `arrived_at` and `seq` fix its place in line for good."""

    id: str
    queue: str
    medium: str
    arrived_at: float
    seq: int
    priority: int
    customer: str = ""
    skills: dict[str, int] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    state: InteractionState = InteractionState.WAITING
    step: int = 0  # overflow rules applied so far
    via: tuple[str, ...] = ()  # backup queues whose agents may also take it
    dropped: frozenset[str] = frozenset()  # skills no longer required ("*" = all)
    level_drop: int = 0
    sticky_agent: str | None = None
    sticky_until: float = 0.0
    callback_number: str | None = None
    callback_attempts: int = 0
    offers: set[str] = field(default_factory=set)
    agent: str | None = None  # None once connected: a supervisor took it over (AgentReleased)
    answered_at: float | None = None
    own_priority: bool = False  # set at arrival or by a supervisor: a move keeps it
    moves: int = 0  # supervisor moves so far; timers of an earlier queue carry an older count
    pulled_to: str | None = None  # a supervisor pinned it to this agent (InteractionPulled)
    customer_ref: str = ""  # the customer record the context named (calldesk.customers)
    notes: tuple[str, ...] = ()  # context rules applied at arrival, for the "why" trace

    @property
    def listed(self) -> tuple[str, ...]:
        """Queues whose waiting lists hold this interaction."""
        return (self.queue, *self.via)

    def wait(self, now: float) -> float:
        return now - self.arrived_at

    def requirements(self, base: tuple[tuple[str, int], ...]) -> list[tuple[str, int]]:
        """Skills still required after the overflow steps applied so far."""
        if "*" in self.dropped:
            return []
        out: dict[str, int] = {}
        for skill, level in (*base, *self.skills.items()):
            if skill in self.dropped:
                continue
            out[skill] = max(out.get(skill, 0), max(1, level - self.level_drop))
        return list(out.items())

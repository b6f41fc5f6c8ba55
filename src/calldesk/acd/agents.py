"""Agents: configuration, runtime record and the derived state machine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from calldesk.acd.capacity import CapacityRules


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    OFFERED = "offered"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    NOT_READY = "not_ready"


@dataclass(frozen=True)
class AgentConfig:
    id: str
    contact: str
    skills: Mapping[str, int] = field(default_factory=dict)
    queues: tuple[str, ...] = ()
    capacity: Mapping[str, int] | None = None  # per-medium limits; None = the site rules
    wrap_up_s: float | None = None  # overrides the queue's wrap-up time
    name: str = ""


@dataclass(frozen=True)
class AgentPolicy:
    """What happens to an agent who does not take an offer (after mod_callcenter's delays)."""

    rona_after: int = 2  # missed offers in a row before not-ready `missed`; 0 = never
    no_answer_delay_s: float = 10.0
    reject_delay_s: float = 10.0
    busy_delay_s: float = 30.0
    reject_counts_as_missed: bool = False
    lease_s: float = 20.0
    callback_attempts: int = 3
    callback_retry_s: float = 120.0
    # A phone the switch cannot reach (not registered, no route): not-ready `unreachable`,
    # then ready again after this long to try once more; 0 = stay not-ready until told.
    unreachable_retry_s: float = 60.0
    # The switch failed the originate (overload, throttle, a lost job): no fault of the agent.
    failed_delay_s: float = 2.0


@dataclass(eq=False)
class Agent:
    """Runtime record. The state is derived from presence plus the work the agent holds."""

    cfg: AgentConfig
    logged_in: bool = False
    ready: bool = False
    reason: str | None = None
    offers: dict[str, str] = field(default_factory=dict)  # offer id -> medium
    active: dict[str, str] = field(default_factory=dict)  # interaction id -> medium
    wrapups: dict[str, tuple[str, float, float]] = field(
        default_factory=dict
    )  # id -> medium, start, until
    direct: set[str] = field(default_factory=set)  # off-queue calls
    missed: int = 0
    cooldown_until: float = 0.0
    idle_since: float = 0.0
    state: AgentState = AgentState.LOGGED_OUT
    state_since: float = 0.0
    handled: int = 0
    talk_s: float = 0.0
    wrap_s: float = 0.0
    open: bool = False  # in the router's open index

    @property
    def id(self) -> str:
        return self.cfg.id

    def load(self) -> dict[str, int]:
        """Units held per medium: offers, live interactions, wrap-ups and off-queue calls."""
        out: dict[str, int] = {}
        for m in self.offers.values():
            out[m] = out.get(m, 0) + 1
        for m in self.active.values():
            out[m] = out.get(m, 0) + 1
        for m, _, _ in self.wrapups.values():
            out[m] = out.get(m, 0) + 1
        if self.direct:
            out["voice"] = out.get("voice", 0) + len(self.direct)
        return out

    def derive_state(self) -> AgentState:
        if self.offers:
            return AgentState.OFFERED
        if self.active or self.direct:
            return AgentState.BUSY
        if self.wrapups:
            return AgentState.WRAP_UP
        if not self.logged_in:
            return AgentState.LOGGED_OUT
        if not self.ready:
            return AgentState.NOT_READY
        return AgentState.AVAILABLE

    def open_for_work(self, rules: CapacityRules, now: float) -> bool:
        """May be offered something now (one offer at a time, spare capacity, no cool-down)."""
        return (
            self.logged_in
            and self.ready
            and not self.offers
            and now >= self.cooldown_until
            and rules.spare(self.load(), self.cfg.capacity)
        )

    def can_take(self, rules: CapacityRules, medium: str) -> bool:
        if not (self.offers or self.active or self.wrapups or self.direct):
            return (self.cfg.capacity or rules.limits).get(medium, 0) > 0  # holds nothing
        return rules.can_take(self.load(), medium, self.cfg.capacity)

    def level(self, skill: str) -> int:
        return self.cfg.skills.get(skill, 0)

    def has_skills(self, reqs: Sequence[tuple[str, int]]) -> bool:
        if not reqs:
            return True
        skills = self.cfg.skills
        return all(skills.get(s, 0) >= lvl for s, lvl in reqs)

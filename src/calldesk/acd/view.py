"""The core's read-only view: what adapters, services and read models may know of its state.

Nothing outside `calldesk.acd` reads the core's own dicts. The view answers with frozen copies,
so a caller can neither change the core nor see it change under its feet. The engine publishes
it after each batch (`Engine.view`); between batches it is consistent, since only the engine's
worker feeds the core.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from calldesk.acd.agents import AgentState
from calldesk.acd.interaction import InteractionState

if TYPE_CHECKING:
    from calldesk.acd.core import Acd


@dataclass(frozen=True)
class InteractionView:
    id: str
    queue: str
    medium: str
    state: InteractionState
    customer: str
    priority: int
    agent: str | None
    callback_number: str | None
    arrived_at: float
    answered_at: float | None
    data: Mapping[str, Any]


@dataclass(frozen=True)
class OfferView:
    id: str
    agent: str
    interaction: str
    lease_until: float


@dataclass(frozen=True)
class AgentView:
    id: str
    name: str
    contact: str
    queues: tuple[str, ...]
    state: AgentState
    reason: str | None
    state_since: float
    logged_in: bool
    offers: Mapping[str, str]  # offer id -> medium
    active: Mapping[str, str]  # interaction id -> medium
    direct: frozenset[str]  # off-queue call legs
    handled: int

    @property
    def busy(self) -> bool:
        """On an interaction, an offer or an off-queue call."""
        return bool(self.active or self.offers or self.direct)


class AcdView:
    def __init__(self, core: Acd) -> None:
        self._core = core

    @property
    def now(self) -> float:
        return self._core.now

    def interaction(self, iid: str) -> InteractionView | None:
        it = self._core.interactions.get(iid)
        if it is None:
            return None
        return InteractionView(
            it.id,
            it.queue,
            it.medium,
            it.state,
            it.customer,
            it.priority,
            it.agent,
            it.callback_number,
            it.arrived_at,
            it.answered_at,
            MappingProxyType(dict(it.data)),
        )

    def has_interaction(self, iid: str) -> bool:
        return iid in self._core.interactions

    def interactions(self) -> Iterator[InteractionView]:
        for iid in list(self._core.interactions):
            view = self.interaction(iid)
            if view is not None:
                yield view

    def offer(self, oid: str) -> OfferView | None:
        rec = self._core.offers.get(oid)
        return OfferView(rec.id, rec.agent, rec.interaction, rec.lease_until) if rec else None

    def has_offer(self, oid: str) -> bool:
        return oid in self._core.offers

    def offers(self) -> Iterator[OfferView]:
        for oid in list(self._core.offers):
            view = self.offer(oid)
            if view is not None:
                yield view

    def agent(self, agent_id: str) -> AgentView | None:
        a = self._core.agents.get(agent_id)
        if a is None:
            return None
        return AgentView(
            a.id,
            a.cfg.name,
            a.cfg.contact,
            tuple(a.cfg.queues),
            a.state,
            a.reason,
            a.state_since,
            a.logged_in,
            MappingProxyType(dict(a.offers)),
            MappingProxyType(dict(a.active)),
            frozenset(a.direct),
            a.handled,
        )

    def agents(self) -> Iterator[AgentView]:
        for agent_id in list(self._core.agents):
            view = self.agent(agent_id)
            if view is not None:
                yield view

    def agent_ids(self) -> tuple[str, ...]:
        return tuple(self._core.agents)

    def queue_names(self) -> tuple[str, ...]:
        return tuple(self._core.queues)

    def breakout(self, queue: str) -> Mapping[str, str]:
        q = self._core.queues.get(queue)
        return MappingProxyType(dict(q.breakout)) if q is not None else MappingProxyType({})

    def paused(self, queue: str) -> bool:
        return queue in self._core.router.paused

    def outlook(self, queue: str, medium: str) -> tuple[int, float]:
        """(agents who could take one more `medium` contact of `queue` now, the predicted wait in
        seconds for a contact arriving now). The wait is the core's own estimate, as announced to
        callers: position x average handle time / staffed agents, 0 when an agent is free."""
        core = self._core
        if queue not in core.queues:
            return 0, float("inf")
        free = sum(
            1
            for aid in core.router.members[queue]
            if core.agents[aid].open_for_work(core.rules, core.now)
            and core.agents[aid].can_take(core.rules, medium)
        )
        waiting = len(core.router.waiting[queue])
        if queue in core.router.paused:
            return 0, float("inf")
        if free > waiting:
            return free - waiting, 0.0
        return 0, float(core.lifecycle.expected_wait(queue, waiting - free + 1))

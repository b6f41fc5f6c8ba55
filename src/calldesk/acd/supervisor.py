"""Supervisor actions on the ACD core: move, reprioritise, pull, and release an agent (takeover).

A mixin of `core.Acd`. Each action is journaled; one that does not apply is `Ignored` with the
reason. The decisions taken here:
- **Move** keeps the arrival time and order (`arrived_at`, `seq`), so the interaction takes its
  place by age in the new queue. The new queue's rules apply from arrival: skills, overflow steps
  (earlier queues' steps are undone), max wait, announcements. Its priority becomes the new
  queue's unless it had its own (given at arrival or by a supervisor). A move ignores `max_size`
  (a supervisor's explicit choice) and drops a pull.
- **Priority** sets the base priority; aging still adds to it; the place is re-sorted at once.
- **Pull** pins a waiting interaction to one agent. It stays listed in its queue (counted as
  waiting, keeping its place) but only that agent may take it, and that agent gets it before
  any other work. The supervisor's word overrides queue membership, skills, sticky routing and
  a paused queue; it does not override presence or capacity: the agent must be logged in and
  able to hold the medium at all, and the offer goes out once the agent is ready and has room
  (at once if it already is). A refused or lapsed offer, or the agent's logout, drops the pin:
  the interaction is back at its place for anyone.
- **Release** (takeover): the agent leaves a connected interaction and wraps up, counted as
  handled with its talk time so far; the interaction stays connected with no agent until the
  customer side ends (`InteractionEnded`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from calldesk.acd import events as ev
from calldesk.acd.interaction import Interaction
from calldesk.acd.interaction import InteractionState as S

if TYPE_CHECKING:
    from calldesk.acd.agents import Agent


class SupervisorMixin:
    HANDLERS: dict[type, Any] = {}

    def _waiting_item(self: Any, e: Any) -> Interaction | None:
        it: Interaction | None = self.interactions.get(e.interaction)
        if it is None or it.state is not S.WAITING:
            state = "not active" if it is None else it.state.value
            self._ignore(e, f"interaction {e.interaction} is {state}, not waiting in a queue")
            return None
        return it

    def _on_moved(self: Any, e: ev.InteractionMoved) -> None:
        if (it := self._waiting_item(e)) is None:
            return
        q = self.queues.get(e.queue)
        if q is None:
            self._ignore(e, f"unknown queue {e.queue!r}")
            return
        if q.name == it.queue:
            self._ignore(e, f"interaction {it.id} is already in queue {q.name}")
            return
        self.router.unlist_waiting(it)
        source = it.queue
        it.queue, it.via, it.step, it.dropped, it.level_drop = q.name, (), 0, frozenset(), 0
        it.moves += 1  # the old queue's timers go stale
        it.pulled_to = None
        if not it.own_priority:
            it.priority = q.priority
        self._log("interaction.moved", it.id, source=source, queue=q.name,
                  arrived_at=it.arrived_at, priority=it.priority)  # fmt: skip
        self._queue_timers(it)
        self._enqueue(it)

    def _on_priority(self: Any, e: ev.PriorityChanged) -> None:
        if (it := self._waiting_item(e)) is None:
            return
        self.router.unlist_waiting(it)  # lists are sorted runs per priority
        before, it.priority, it.own_priority = it.priority, int(e.priority), True
        self._log("interaction.priority", it.id, queue=it.queue, before=before,
                  priority=it.priority)  # fmt: skip
        self._enqueue(it)

    def _on_pulled(self: Any, e: ev.InteractionPulled) -> None:
        if (it := self._waiting_item(e)) is None:
            return
        a = self.agents.get(e.agent)
        if a is None:
            self._ignore(e, f"unknown agent {e.agent!r}")
            return
        if not a.logged_in:
            self._ignore(e, f"agent {a.id} is logged out")
            return
        if (a.cfg.capacity or self.rules.limits).get(it.medium, 0) <= 0:
            self._ignore(e, f"agent {a.id} cannot hold {it.medium}")
            return
        it.pulled_to = a.id
        self.router.pulled.setdefault(a.id, {})[it.id] = it
        self._log("interaction.pulled", it.id, queue=it.queue, agent=a.id)
        self._pend_items.append(it)  # offered in this batch if the agent has room now

    def _unpin_agent(self: Any, a: Agent) -> None:
        """The agent logged out: interactions pinned to them are back for anyone."""
        for it in self.router.pulled.pop(a.id, {}).values():
            if it.pulled_to == a.id:
                it.pulled_to = None
                self._log("interaction.unpinned", it.id, agent=a.id, reason="agent logged out")
                if it.state is S.WAITING:
                    self._pend_items.append(it)

    def _on_released(self: Any, e: ev.AgentReleased) -> None:
        if (a := self._agent(e)) is None:
            return
        it = self.interactions.get(e.interaction)
        if it is None or it.state is not S.CONNECTED or it.agent != a.id:
            self._ignore(e, f"agent {a.id} is not connected to interaction {e.interaction}")
            return
        talk = self.now - (it.answered_at or self.now)
        it.agent = None
        self._log("interaction.released", it.id, queue=it.queue, agent=a.id, talk=talk)
        self._wrap(a, it, talk)


SupervisorMixin.HANDLERS = {
    ev.InteractionMoved: SupervisorMixin._on_moved,
    ev.PriorityChanged: SupervisorMixin._on_priority,
    ev.InteractionPulled: SupervisorMixin._on_pulled,
    ev.AgentReleased: SupervisorMixin._on_released,
}

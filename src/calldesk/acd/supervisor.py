"""Supervisor actions on the ACD core: move, reprioritise, pull, and release an agent (takeover).

A part of `core.Acd`, composed as `acd.supervision`. Each action is journaled; one that does not apply is `Ignored` with the
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

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from calldesk.acd import events as ev
from calldesk.acd.interaction import Interaction
from calldesk.acd.interaction import InteractionState as S

if TYPE_CHECKING:
    from calldesk.acd.agents import Agent
    from calldesk.acd.core import Acd


class Supervision:
    def __init__(self, acd: Acd) -> None:
        self.acd = acd

    def _waiting_item(self, e: Any) -> Interaction | None:
        acd = self.acd
        it: Interaction | None = acd.interactions.get(e.interaction)
        if it is None or it.state is not S.WAITING:
            state = "not active" if it is None else it.state.value
            acd._ignore(e, f"interaction {e.interaction} is {state}, not waiting in a queue")
            return None
        return it

    def _on_moved(self, e: ev.InteractionMoved) -> None:
        acd = self.acd
        if (it := self._waiting_item(e)) is None:
            return
        q = acd.queues.get(e.queue)
        if q is None:
            acd._ignore(e, f"unknown queue {e.queue!r}")
            return
        if q.name == it.queue:
            acd._ignore(e, f"interaction {it.id} is already in queue {q.name}")
            return
        acd.router.unlist_waiting(it)
        source = it.queue
        it.queue, it.via, it.step, it.dropped, it.level_drop = q.name, (), 0, frozenset(), 0
        it.moves += 1  # the old queue's timers go stale
        it.pulled_to = None
        if not it.own_priority:
            it.priority = q.priority
        acd._log(
            "interaction.moved",
            it.id,
            source=source,
            queue=q.name,
            arrived_at=it.arrived_at,
            priority=it.priority,
        )
        acd.lifecycle.queue_timers(it)
        acd._enqueue(it)

    def _on_priority(self, e: ev.PriorityChanged) -> None:
        acd = self.acd
        if (it := self._waiting_item(e)) is None:
            return
        acd.router.unlist_waiting(it)  # lists are sorted runs per priority
        before, it.priority, it.own_priority = it.priority, int(e.priority), True
        acd._log("interaction.priority", it.id, queue=it.queue, before=before, priority=it.priority)
        acd._enqueue(it)

    def _on_pulled(self, e: ev.InteractionPulled) -> None:
        acd = self.acd
        if (it := self._waiting_item(e)) is None:
            return
        a = acd.agents.get(e.agent)
        if a is None:
            acd._ignore(e, f"unknown agent {e.agent!r}")
            return
        if not a.logged_in:
            acd._ignore(e, f"agent {a.id} is logged out")
            return
        if (a.cfg.capacity or acd.rules.limits).get(it.medium, 0) <= 0:
            acd._ignore(e, f"agent {a.id} cannot hold {it.medium}")
            return
        it.pulled_to = a.id
        acd.router.pulled.setdefault(a.id, {})[it.id] = it
        acd._log("interaction.pulled", it.id, queue=it.queue, agent=a.id)
        acd._pend_items.append(it)  # offered in this batch if the agent has room now

    def unpin_agent(self, a: Agent) -> None:
        """The agent logged out: interactions pinned to them are back for anyone."""
        acd = self.acd
        for it in acd.router.pulled.pop(a.id, {}).values():
            if it.pulled_to == a.id:
                it.pulled_to = None
                acd._log("interaction.unpinned", it.id, agent=a.id, reason="agent logged out")
                if it.state is S.WAITING:
                    acd._pend_items.append(it)

    def _on_released(self, e: ev.AgentReleased) -> None:
        acd = self.acd
        if (a := acd.lifecycle._agent(e)) is None:
            return
        it = acd.interactions.get(e.interaction)
        if it is None or it.state is not S.CONNECTED or it.agent != a.id:
            acd._ignore(e, f"agent {a.id} is not connected to interaction {e.interaction}")
            return
        talk = acd.now - (it.answered_at or acd.now)
        it.agent = None
        acd._log("interaction.released", it.id, queue=it.queue, agent=a.id, talk=talk)
        acd.lifecycle.wrap(a, it, talk)

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """The events this part handles, bound to it."""
        return {
            ev.InteractionMoved: self._on_moved,
            ev.PriorityChanged: self._on_priority,
            ev.InteractionPulled: self._on_pulled,
            ev.AgentReleased: self._on_released,
        }

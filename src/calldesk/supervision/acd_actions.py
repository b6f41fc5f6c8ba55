"""Supervisor actions on the ACD: force an agent's state, log them out, move a waiting
interaction, change its priority, pull it to a named agent. Permission-checked and journaled.

The core is passed in (`Acd`, or anything with `handle(event, now)`, `agents`, `interactions`),
so the controller can wire it to its live core; the returned decisions go to the dispatcher.
Events the core does not have yet are looked up by name in `calldesk.acd.events`; until the ACD
adds them the action is refused with `Unsupported`, naming the missing event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from calldesk.acd import events as acd_events
from calldesk.auth import Directory, PermissionDenied
from calldesk.errors import CalldeskError
from calldesk.store.journal import Journal

# The events this module needs from the ACD (name -> fields), see the report in the README.
WANTED = {
    "InteractionMoved": "(interaction: str, queue: str)  keep arrival time and place rules",
    "PriorityChanged": "(interaction: str, priority: int)",
    "InteractionPulled": "(interaction: str, agent: str)  offer it to that agent now, lease as usual",
    "AgentReleased": "(agent: str, interaction: str)  agent to wrap-up, interaction stays connected",
}


class Unsupported(CalldeskError):
    """The ACD core has no event for this action yet."""


class ActionRefused(CalldeskError):
    """The action does not apply (unknown agent or interaction, not waiting, ...)."""


@dataclass
class SupervisorActions:
    core: Any
    directory: Directory
    journal: Journal
    clock: Callable[[], float] = time.time

    def _event(self, name: str, *args: object) -> object:
        cls = getattr(acd_events, name, None)
        if cls is None:
            raise Unsupported(f"the ACD core has no {name}{WANTED.get(name, '')} event yet")
        return cls(*args)

    def _run(self, user: str, action: str, subject: str, event: object, **data: object) -> list:
        now = self.clock()
        decisions = self.core.handle(event, now)
        self.journal.append(f"supervision.{action}", subject, {"by": user, **data}, now)
        return list(decisions)

    def _refuse(self, user: str, action: str, subject: str, exc: Exception) -> None:
        self.journal.append("supervision.refused", subject,
                            {"supervisor": user, "action": action, "reason": str(exc)}, self.clock())  # fmt: skip

    def _agent(self, user: str, agent: str, action: str) -> None:
        try:
            self.directory.check_agent(user, agent, action)
        except PermissionDenied as exc:
            self._refuse(user, action, agent, exc)
            raise
        if agent not in self.core.agents:
            raise ActionRefused(f"no agent {agent!r} in the ACD")

    def _waiting(self, user: str, interaction: str, action: str) -> Any:
        it = self.core.interactions.get(interaction)
        if it is None:
            raise ActionRefused(f"no interaction {interaction!r} in the ACD")
        if str(getattr(it, "state", "waiting")) != "waiting":
            raise ActionRefused(f"interaction {interaction} is {it.state}, not waiting in a queue")
        try:
            self.directory.check_queue(user, it.queue, action)
        except PermissionDenied as exc:
            self._refuse(user, action, interaction, exc)
            raise
        return it

    # -- agents -----------------------------------------------------------------------------
    def set_state(self, user: str, agent: str, state: str, reason: str = "supervisor") -> list:
        """Force `ready` or `not_ready` (with a reason)."""
        self._agent(user, agent, "set the state of")
        if state == "ready":
            return self._run(user, "agent_state", agent, acd_events.AgentReady(agent), state=state)
        if state == "not_ready":
            return self._run(user, "agent_state", agent, acd_events.AgentNotReady(agent, reason),
                             state=state, reason=reason)  # fmt: skip
        raise ActionRefused(f"state must be ready or not_ready, not {state!r}")

    def logout(self, user: str, agent: str) -> list:
        self._agent(user, agent, "log out")
        return self._run(user, "logout", agent, acd_events.AgentLogout(agent))

    # -- waiting interactions ---------------------------------------------------------------
    def move(self, user: str, interaction: str, queue: str) -> list:
        it = self._waiting(user, interaction, "move interactions")
        try:
            self.directory.check_queue(user, queue, "move interactions")
        except PermissionDenied as exc:
            self._refuse(user, "move", interaction, exc)
            raise
        event = self._event("InteractionMoved", interaction, queue)
        return self._run(user, "move", interaction, event, source=it.queue, queue=queue)

    def set_priority(self, user: str, interaction: str, priority: int) -> list:
        it = self._waiting(user, interaction, "change priorities")
        event = self._event("PriorityChanged", interaction, int(priority))
        return self._run(user, "priority", interaction, event, queue=it.queue,
                         before=it.priority, priority=int(priority))  # fmt: skip

    def pull(self, user: str, interaction: str, agent: str) -> list:
        it = self._waiting(user, interaction, "pull interactions")
        self._agent(user, agent, "pull an interaction to")
        event = self._event("InteractionPulled", interaction, agent)
        return self._run(user, "pull", interaction, event, queue=it.queue, agent=agent)

    def release_agent(self, agent: str, interaction: str) -> list:
        """After a takeover: the agent goes to wrap-up; the interaction stays with the supervisor."""
        event = self._event("AgentReleased", agent, interaction)
        return self._run("system", "release", agent, event, interaction=interaction)

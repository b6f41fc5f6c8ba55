"""Supervisor actions on the ACD: force an agent's state, log them out, move a waiting
interaction, change its priority, pull it to a named agent, and release an agent after a
takeover. Permission-checked and journaled (`supervision.<action>`, or `supervision.refused`).

The events go through the dispatcher (`calldesk.engine.Engine.post(*events, wait=…)`), so
the core's decisions (offers, cancels) are carried out over ESL like any other. A bare `Acd`
(tests, the virtual-time simulator) is driven in-process by `InProcess` instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from calldesk.acd import Acd, Ignored
from calldesk.acd import events as ev
from calldesk.acd.decisions import Decision
from calldesk.acd.view import AcdView
from calldesk.auth import Directory, PermissionDenied
from calldesk.errors import CalldeskError
from calldesk.store.journal import Journal


class ActionRefused(CalldeskError):
    """The action does not apply (unknown agent or interaction, not waiting, ...)."""


class AcdPort(Protocol):
    """What the actions need from whoever owns the core: the engine has both."""

    @property
    def view(self) -> AcdView: ...

    def post(self, *items: Any, wait: float | None = None) -> list[str]: ...


@dataclass
class InProcess:
    """Drives a bare core directly; `decisions` keeps what it decided (nobody carries it out)."""

    acd: Acd
    clock: Callable[[], float] = time.time
    decisions: list[Decision] = field(default_factory=list)

    @property
    def view(self) -> AcdView:
        return self.acd.view()

    def post(self, *items: Any, wait: float | None = None) -> list[str]:
        out = self.acd.handle_many(items, self.clock())
        self.decisions.extend(out)
        ids = {id(e) for e in items}
        return [d.reason for d in out if isinstance(d, Ignored) and id(d.event) in ids]


class SupervisorActions:
    def __init__(
        self,
        acd: AcdPort | Acd,
        directory: Directory,
        journal: Journal,
        clock: Callable[[], float] = time.time,
        wait: float = 5.0,
    ) -> None:
        self.port: AcdPort = InProcess(acd, clock) if isinstance(acd, Acd) else acd
        self.directory = directory
        self.journal = journal
        self.clock = clock
        self.wait = wait

    @property
    def view(self) -> AcdView:
        return self.port.view

    def _run(self, user: str, action: str, subject: str, event: Any, **data: Any) -> dict:
        ignored = self.port.post(event, wait=self.wait)
        if ignored:
            reason = "; ".join(ignored)
            self._refuse(user, action, subject, reason)
            raise ActionRefused(f"the ACD did not {action} {subject}: {reason}")
        self.journal.append(f"supervision.{action}", subject, {"by": user, **data}, self.clock())
        return {"subject": subject, "action": action, **data}

    def _refuse(self, user: str, action: str, subject: str, reason: str) -> None:
        self.journal.append("supervision.refused", subject,
                            {"supervisor": user, "action": action, "reason": reason}, self.clock())  # fmt: skip

    def _checked(self, user: str, action: str, subject: str, check: Callable[[], Any]) -> None:
        try:
            check()
        except PermissionDenied as exc:
            self._refuse(user, action, subject, str(exc))
            raise

    def _agent(self, user: str, agent: str, action: str) -> None:
        self._checked(user, action, agent, lambda: self.directory.check_agent(user, agent, action))
        if self.view.agent(agent) is None:
            raise ActionRefused(f"no agent {agent!r} in the ACD")

    def _waiting(self, user: str, interaction: str, action: str) -> Any:
        it = self.view.interaction(interaction)
        if it is None:
            raise ActionRefused(f"no interaction {interaction!r} in the ACD")
        if str(it.state) != "waiting":
            raise ActionRefused(f"interaction {interaction} is {it.state}, not waiting in a queue")
        self._checked(user, action, interaction,
                      lambda: self.directory.check_queue(user, it.queue, action))  # fmt: skip
        return it

    # -- agents -----------------------------------------------------------------------------
    def set_state(self, user: str, agent: str, state: str, reason: str = "supervisor") -> dict:
        """Force `ready` or `not_ready` (with a reason)."""
        self._agent(user, agent, "set the state of")
        if state == "ready":
            return self._run(user, "agent_state", agent, ev.AgentReady(agent), state=state)
        if state == "not_ready":
            return self._run(user, "agent_state", agent, ev.AgentNotReady(agent, reason),
                             state=state, reason=reason)  # fmt: skip
        raise ActionRefused(f"state must be ready or not_ready, not {state!r}")

    def logout(self, user: str, agent: str) -> dict:
        self._agent(user, agent, "log out")
        return self._run(user, "logout", agent, ev.AgentLogout(agent))

    # -- waiting interactions ---------------------------------------------------------------
    def move(self, user: str, interaction: str, queue: str) -> dict:
        it = self._waiting(user, interaction, "move interactions")
        self._checked(user, "move interactions", interaction,
                      lambda: self.directory.check_queue(user, queue, "move interactions"))  # fmt: skip
        return self._run(user, "move", interaction, ev.InteractionMoved(interaction, queue),
                         source=it.queue, queue=queue)  # fmt: skip

    def set_priority(self, user: str, interaction: str, priority: int) -> dict:
        it = self._waiting(user, interaction, "change priorities")
        return self._run(user, "priority", interaction, ev.PriorityChanged(interaction, int(priority)),
                         queue=it.queue, before=it.priority, priority=int(priority))  # fmt: skip

    def pull(self, user: str, interaction: str, agent: str) -> dict:
        """Pin a waiting interaction to `agent`, who gets it next (see `calldesk.acd.supervisor`)."""
        it = self._waiting(user, interaction, "pull interactions")
        self._agent(user, agent, "pull an interaction to")
        return self._run(user, "pull", interaction, ev.InteractionPulled(interaction, agent),
                         queue=it.queue, agent=agent)  # fmt: skip

    def release_agent(self, agent: str, interaction: str) -> list[str]:
        """After a takeover: the agent goes to wrap-up; the interaction stays with the supervisor.
        Returns the core's reasons if it ignored the release (e.g. a call the ACD did not place)."""
        ignored = self.port.post(ev.AgentReleased(agent, interaction), wait=self.wait)
        data = {
            "by": "system",
            "interaction": interaction,
            **({"ignored": ignored} if ignored else {}),
        }
        self.journal.append("supervision.release", agent, data, self.clock())
        return ignored

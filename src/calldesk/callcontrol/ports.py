"""What call control needs from whoever owns the interactions (the ACD dispatcher today), and
an adapter over today's `AcdService`.

The lead's new engine is to provide `legs_of`; `agent_of`, `contact_of`, `post` and `requeue`
are the rest of this protocol. `DispatcherPort` reads today's dispatcher maps (`callers[iid]`,
`talking[iid]` -> offer, `agent_legs[offer]`) without changing it."""

from __future__ import annotations

from typing import Any, Protocol

from calldesk.acd import events as ev


class LegLike(Protocol):
    uuid: str
    switch: str


class CallPort(Protocol):
    def legs_of(self, iid: str) -> tuple[LegLike | None, LegLike | None]:
        """(customer leg, agent leg) of a voice interaction; None where there is none."""

    def agent_of(self, iid: str) -> str | None:
        """The agent connected to the interaction, or None."""

    def contact_of(self, agent: str) -> str | None:
        """The dial string of an agent's phone (e.g. `user/1001`), or None if unknown."""

    def post(self, *items: Any, wait: float | None = None) -> list[str]:
        """Core events for the ACD (AgentReleased ...); with `wait`, the reasons it ignored any."""

    def requeue(self, iid: str, queue: str) -> list[str]:
        """Put a connected interaction back to waiting in `queue`, keeping its id and its
        customer leg. Returns the reasons it could not (empty: done)."""


class DispatcherPort:
    """`CallPort` over today's `calldesk.dispatch.AcdService` (read-only use of its maps)."""

    def __init__(self, svc: Any) -> None:
        self.svc = svc
        # Today's ACD core ignores a second arrival of a known interaction: no requeue yet.
        self.requeue_supported = hasattr(svc, "requeue")

    def legs_of(self, iid: str) -> tuple[LegLike | None, LegLike | None]:
        if hasattr(self.svc, "legs_of"):
            return self.svc.legs_of(iid)  # type: ignore[no-any-return]
        caller = self.svc.callers.get(iid)
        oid = self.svc.talking.get(iid)
        return caller, self.svc.agent_legs.get(oid) if oid is not None else None

    def agent_of(self, iid: str) -> str | None:
        it = self.svc.acd.interactions.get(iid)
        return it.agent if it is not None else None

    def contact_of(self, agent: str) -> str | None:
        a = self.svc.acd.agents.get(agent)
        return a.cfg.contact if a is not None else None

    def post(self, *items: Any, wait: float | None = None) -> list[str]:
        return self.svc.post(*items, wait=wait)  # type: ignore[no-any-return]

    def requeue(self, iid: str, queue: str) -> list[str]:
        if hasattr(self.svc, "requeue"):
            return self.svc.requeue(iid, queue)  # type: ignore[no-any-return]
        return ["the ACD core cannot re-enqueue a connected interaction yet (needs requeue)"]


def released(agent: str, iid: str) -> ev.AgentReleased:
    return ev.AgentReleased(agent, iid)

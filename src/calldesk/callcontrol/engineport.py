"""Call control's port over the engine and its voice adapter: legs from the adapter's maps,
agents and interactions from the engine's read-only view, core events posted to the engine."""

from __future__ import annotations

from typing import Any

from calldesk.acd import events as ev
from calldesk.callcontrol.ports import LegLike


class EnginePort:
    requeue_supported = True

    def __init__(self, engine: Any, voice: Any) -> None:
        self.engine, self.voice = engine, voice

    def legs_of(self, iid: str) -> tuple[LegLike | None, LegLike | None]:
        return self.voice.legs_of(iid)  # type: ignore[no-any-return]

    def agent_of(self, iid: str) -> str | None:
        it = self.engine.view.interaction(iid)
        return it.agent if it is not None else None

    def contact_of(self, agent: str) -> str | None:
        a = self.engine.view.agent(agent)
        return a.contact if a is not None else None

    def post(self, *items: Any, wait: float | None = None) -> list[str]:
        return self.engine.post(*items, wait=wait)  # type: ignore[no-any-return]

    def interaction_of_agent_leg(self, uuid: str) -> str | None:
        role, key = self.voice.maps.by_leg.get(uuid, ("", ""))
        ring = self.voice.maps.rings.get(key) if role == "agent" else None
        return getattr(ring, "interaction", None)

    def requeue(self, iid: str, queue: str) -> list[str]:
        """A connected interaction back to waiting in `queue`, same id, same customer leg."""
        return self.post(ev.InteractionRequeued(iid, queue), wait=5.0)

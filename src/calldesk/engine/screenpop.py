"""Screen pops: when an agent accepts an offer on any medium, what the flow collected and the
interaction's journey so far are written for the agent (`screen_pops`) and published (a
`screen_pop` journal entry, so the notifier pushes it to the agent's desktop)."""

from __future__ import annotations

from typing import Any

from calldesk.acd.view import AcdView, OfferView
from calldesk.engine.persist import EngineStore
from calldesk.store import Journal


class ScreenPops:
    def __init__(self, view: AcdView, journal: Journal, persist: EngineStore) -> None:
        self.view, self.journal, self.persist = view, journal, persist

    def accepted(self, offer: OfferView, at: float) -> dict[str, Any] | None:
        it = self.view.interaction(offer.interaction)
        if it is None:
            return None
        journey = [(e.at, e.kind) for e in self.journal.read(subject=it.id)]
        pop = {"queue": it.queue, "customer": it.customer, "medium": it.medium,
               "data": dict(it.data), "journey": journey}
        self.persist.screen_pop(offer.id, it.id, offer.agent, at, pop)
        self.journal.append("screen_pop", it.id, {"agent": offer.agent, "offer": offer.id,
                                                  **pop}, at)
        return pop

"""Screen pops: when an agent accepts an offer on any medium, what the flow collected and the
interaction's journey so far are written for the agent (`screen_pops`) and published (a
`screen_pop` journal entry, so the notifier pushes it to the agent's desktop)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from calldesk.acd.view import AcdView, OfferView
from calldesk.engine.persist import EngineStore
from calldesk.store import Journal

log = logging.getLogger(__name__)


Enrich = Callable[[str], dict[str, Any]]  # interaction id -> more for the pop (the customer)


class ScreenPops:
    def __init__(self, view: AcdView, journal: Journal, persist: EngineStore,
                 enrich: Enrich | None = None) -> None:
        self.view, self.journal, self.persist = view, journal, persist
        # What the composition root adds: the customer, verified flags, their journey and last
        # contacts (calldesk.customers.screenpop). A failure there never blocks the pop.
        self.enrich = enrich

    def accepted(
        self, offer: OfferView, at: float
    ) -> tuple[str, str, dict[str, Any], float] | None:
        """The pop of an accepted offer: its row is queued with the engine's leg writes, and
        the `screen_pop` journal row returned for the engine to write in its batch's commit."""
        it = self.view.interaction(offer.interaction)
        if it is None:
            return None
        journey = self.journal.trail(it.id)
        pop = {"queue": it.queue, "customer": it.customer, "medium": it.medium,
               "data": dict(it.data), "journey": journey}
        if self.enrich is not None:
            try:
                pop["context"] = self.enrich(it.id)
            except Exception:
                log.exception("screen pop of %s: the customer context failed", it.id)
        self.persist.screen_pop(offer.id, it.id, offer.agent, at, pop)
        return ("screen_pop", it.id, {"agent": offer.agent, "offer": offer.id, **pop}, at)

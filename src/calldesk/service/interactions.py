"""Interactions: list, detail (journal trail and the ACD's "why this agent"), and the
supervisor's steering of waiting ones (move, priority, pull)."""

from __future__ import annotations

from typing import Any

from calldesk.auth import User
from calldesk.service.access import Access
from calldesk.service.errors import NotFound, Refused
from calldesk.store.journal import Journal
from calldesk.supervision.acd_actions import ActionRefused, SupervisorActions
from calldesk.views import InteractionRow, LiveViews

TRAIL_MAX = 500


class InteractionsService:
    def __init__(self, access: Access, views: LiveViews, journal: Journal,
                 actions: SupervisorActions) -> None:  # fmt: skip
        self.access, self.views, self.journal, self.actions = access, views, journal, actions

    def _row(self, iid: str) -> InteractionRow:
        it = self.views.interactions.get(iid)
        if it is None:
            raise NotFound(f"no interaction {iid!r}")
        return it

    def _visible(self, user: User, it: InteractionRow) -> bool:
        if user.role == "admin":
            return True
        if user.role == "agent":
            return bool(user.agent) and (it.agent == user.agent or user.agent in it.offers.values())
        agents = self.access.agents_of(user) or set()
        queues = self.access.directory.queues_of(user) or set()
        return it.agent in agents or it.queue in queues

    def list(self, user: User, state: str | None = None, queue: str | None = None) -> list[dict]:
        rows = [it for it in self.views.interactions.values()
                if (state is None or it.state == state) and (queue is None or it.queue == queue)
                and self._visible(user, it)]  # fmt: skip
        return [it.as_dict() for it in rows]

    def get(self, user: User, iid: str) -> dict[str, Any]:
        it = self._row(iid)
        if not self._visible(user, it):
            agent = it.agent or next(iter(it.offers.values()), None)
            self.access.interaction(user, iid, agent, it.queue, "see")
        trail = [{"seq": e.id, "at": e.at, "kind": e.kind, "data": e.data}
                 for e in self.journal.read(subject=iid, limit=TRAIL_MAX)]  # fmt: skip
        return {**it.as_dict(), "trail": trail, "why": it.why}

    def _act(self, call: Any, *args: Any) -> dict[str, Any]:
        try:
            return call(*args)
        except ActionRefused as exc:
            text = str(exc)
            raise (NotFound if text.startswith("no ") else Refused)(text) from None

    def move(self, user: User, iid: str, queue: str) -> dict[str, Any]:
        self.access.supervisor(user, "move interactions", iid)
        return self._act(self.actions.move, user.id, iid, queue)

    def priority(self, user: User, iid: str, priority: int) -> dict[str, Any]:
        self.access.supervisor(user, "change priorities", iid)
        return self._act(self.actions.set_priority, user.id, iid, priority)

    def pull(self, user: User, iid: str, agent: str) -> dict[str, Any]:
        self.access.supervisor(user, "pull interactions", iid)
        return self._act(self.actions.pull, user.id, iid, agent)

"""Queues: live figures, history (from the report facts when wired), pause and resume."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from calldesk.auth import User
from calldesk.service.access import Access
from calldesk.service.errors import WAIT_S, NotFound, Refused, decide
from calldesk.store.journal import Journal
from calldesk.views import LiveViews

Rows = list[dict[str, Any]]  # (the method `list` shadows the builtin in the class)


class QueuesService:
    def __init__(
        self,
        access: Access,
        engine: Any,
        views: LiveViews,
        journal: Journal,
        sl: dict[str, tuple[float, float]],
        history: Callable[[str, int, int], Rows] | None = None,
    ) -> None:
        self.access, self.engine, self.views, self.journal = access, engine, views, journal
        self.sl = sl  # queue -> (sl_seconds, sl_target)
        # (queue, minutes, step) -> rows: the report facts (ReportsService.queue_history), so
        # the wallboard's chart shows the report's figures; else the live views' own count
        self.history_of = history or views.history

    def _known(self, queue: str) -> None:
        if queue not in self.sl:
            raise NotFound(f"unknown queue {queue!r}")

    def view(self, queue: str) -> dict[str, Any]:
        v = self.views.queue(queue)
        by = v.agents_by_state
        return {
            "name": queue,
            "waiting": v.waiting,
            "longest_wait_s": v.longest_wait_s,
            "service_level": v.service_level_today,
            "service_level_30m": v.service_level_15m,
            "sl_target": self.sl[queue][1],
            "sl_seconds": self.sl[queue][0],
            "asa_s": v.asa_s,
            "abandon_rate": v.abandon_rate,
            "answered": v.answered,
            "abandoned": v.abandoned,
            "agents": {
                "ready": by.get("available", 0) + by.get("offered", 0),
                "busy": by.get("busy", 0),
                "wrap_up": by.get("wrap_up", 0),
                "not_ready": by.get("not_ready", 0),
            },
            "paused": queue in self.views.paused,
        }

    def _scope(self, user: User) -> set[str] | None:
        return self.access.queues_of(user, self.views.agent_queues)

    def list(self, user: User) -> Rows:
        allowed = self._scope(user)
        return [self.view(q) for q in self.sl if allowed is None or q in allowed]

    def get(self, user: User, queue: str) -> dict[str, Any]:
        self._known(queue)
        self.access.queue(user, queue, "see", manage=False, agent_queues=self.views.agent_queues)
        return self.view(queue)

    def history(self, user: User, queue: str, minutes: int = 60, step: int = 300) -> Rows:
        self._known(queue)
        self.access.queue(user, queue, "see", manage=False, agent_queues=self.views.agent_queues)
        return self.history_of(queue, minutes, step)

    def _set(self, user: User, queue: str, action: str) -> dict[str, Any]:
        self._known(queue)
        self.access.queue(user, queue, action)
        control = self.engine.pause if action == "pause" else self.engine.resume
        ignored = decide(control, queue, wait=WAIT_S)
        if ignored:
            raise Refused(f"{action} {queue}: {'; '.join(ignored)}")
        self.journal.append(f"api.{action}", queue, {"by": user.id}, self.access.clock())
        return self.view(queue)

    def pause(self, user: User, queue: str) -> dict[str, Any]:
        return self._set(user, queue, "pause")

    def resume(self, user: User, queue: str) -> dict[str, Any]:
        return self._set(user, queue, "resume")

"""The controller side of the control inbox."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from calldesk.errors import CalldeskError
from calldesk.store import Store

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], str], dict[str, Any]]
Authorizer = Callable[[str, str, dict[str, Any]], None]


class ControlError(CalldeskError):
    """A control command was refused or failed; the message says why."""


class ControlBus:
    def __init__(
        self, store: Store, clock: Callable[[], float], authorize: Authorizer | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self.authorize = authorize
        self.handlers: dict[str, Handler] = {}

    def register(self, command: str, handler: Handler) -> None:
        if command in self.handlers:
            raise ValueError(f"control command {command!r} registered twice")
        self.handlers[command] = handler

    def _claim(self) -> list[tuple]:
        rows = self.store.db.execute(
            "SELECT id, actor, command, args FROM control_inbox WHERE status = 'pending' ORDER BY id"
        ).fetchall()
        if rows:
            marks = ",".join("?" * len(rows))
            self.store.db.execute(
                f"UPDATE control_inbox SET status = 'running' WHERE id IN ({marks})",
                [r[0] for r in rows],
            )
        return rows

    def _finish(self, row_id: int, actor: str, command: str, args: str) -> None:
        status, result = self._run(actor, command, args)
        self.store.db.execute(
            "UPDATE control_inbox SET status = ?, result = ?, handled_at = ? WHERE id = ?",
            [status, json.dumps(result, default=str), self.clock(), row_id],
        )

    def poll_once(self) -> int:
        """Handle every pending command in order, one after the other; returns how many."""
        rows = self._claim()
        for row in rows:
            self._finish(*row)
        return len(rows)

    def _run(self, actor: str, command: str, raw_args: str) -> tuple[str, dict[str, Any]]:
        handler = self.handlers.get(command)
        if handler is None:
            return "error", {
                "error": f"unknown command {command!r} (known: {', '.join(sorted(self.handlers))})"
            }
        try:
            args = json.loads(raw_args or "{}")
            if not isinstance(args, dict):
                raise ValueError("args must be an object")
        except ValueError as exc:
            return "error", {"error": f"bad arguments: {exc}"}
        try:
            if self.authorize is not None:
                self.authorize(actor, command, args)
            return "done", handler(args, actor)
        except CalldeskError as exc:
            return "error", {"error": str(exc)}
        except Exception as exc:  # a handler bug must not stop the bus
            log.exception("control command %s failed", command)
            return "error", {"error": f"internal error: {exc}"}

    def run(self, interval: float = 0.1) -> None:
        """Poll forever (run it in a greenlet). Each command runs in its own greenlet, so one
        that waits (a supervisor's phone ringing) does not hold up the others."""
        import gevent

        while True:
            try:
                for row in self._claim():
                    gevent.spawn(self._finish, *row)
            except Exception:
                log.exception("control bus poll failed")
            gevent.sleep(interval)

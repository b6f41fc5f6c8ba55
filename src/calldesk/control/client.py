"""The CLI side of the control channel: post a command, wait for the controller's answer."""

from __future__ import annotations

import json
import time
from typing import Any

from calldesk.control.bus import ControlError
from calldesk.store import Store


class ControlClient:
    def __init__(self, store: Store) -> None:
        self.store = store

    def post(self, actor: str, command: str, args: dict[str, Any] | None = None) -> int:
        cursor = self.store.db.execute(
            "INSERT INTO control_inbox (posted_at, actor, command, args, status) VALUES (?, ?, ?, ?, 'pending')",
            [time.time(), actor, command, json.dumps(args or {})],
        )
        return int(cursor.lastrowid or 0)

    def call(
        self, actor: str, command: str, args: dict[str, Any] | None = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Post and wait. Raises ControlError with the controller's reason, or if none answers."""
        row_id = self.post(actor, command, args)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.store.db.execute(
                "SELECT status, result FROM control_inbox WHERE id = ?", [row_id]
            ).fetchone()
            if row and row[0] not in ("pending", "running"):
                result = json.loads(row[1] or "{}")
                if row[0] == "error":
                    raise ControlError(result.get("error", "refused"))
                return result
            time.sleep(0.05)
        self.store.db.execute(
            "UPDATE control_inbox SET status = 'expired' WHERE id = ? AND status = 'pending'",
            [row_id],
        )
        raise ControlError(
            f"no controller answered {command!r} within {timeout}s (is 'calldesk serve' running on this store?)"
        )

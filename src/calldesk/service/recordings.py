"""Recordings: list, detail, the audio file (for range downloads), legal hold and release.
The checks and the access journal are `calldesk.recording.access`'s."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from calldesk.auth import User
from calldesk.recording.access import RecordingAccess, RecordingNotFound
from calldesk.recording.index import PURGED
from calldesk.service.errors import NotFound


class RecordingsService:
    def __init__(self, access: RecordingAccess, clock: Callable[[], float]) -> None:
        self.access, self.clock = access, clock

    def list(self, user: User, interaction: str | None = None, agent: str | None = None,
             queue: str | None = None, limit: int = 100) -> list[dict[str, Any]]:  # fmt: skip
        rows = self.access.list(user.id, self.clock(), interaction=interaction, agent=agent,
                                queue=queue)  # fmt: skip
        return [r.as_dict() for r in rows[:limit]]

    def get(self, user: User, rec_id: str) -> dict[str, Any]:
        try:
            return self.access.show(user.id, rec_id, self.clock()).as_dict()
        except RecordingNotFound as exc:
            raise NotFound(str(exc)) from None

    def audio(self, user: User, rec_id: str, byte_range: str | None) -> Path:
        """The file to stream; the download (and its range) is journaled."""
        try:
            row = self.access._row(user.id, rec_id, "download", self.clock())
        except RecordingNotFound as exc:
            raise NotFound(str(exc)) from None
        path = self.access.base_dir / row.path
        if row.status == PURGED or not path.exists():
            raise NotFound(f"recording {rec_id} has no file ({row.status})")
        self.access._log(user.id, "download", self.clock(), id=rec_id, range=byte_range or "all",
                         result="ok")  # fmt: skip
        return path

    def hold(self, user: User, rec_id: str, on: bool) -> dict[str, Any]:
        try:
            return self.access.set_legal_hold(user.id, rec_id, on, self.clock()).as_dict()
        except RecordingNotFound as exc:
            raise NotFound(str(exc)) from None

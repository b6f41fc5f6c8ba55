"""Access to recordings: search, show, export and legal hold. Role-checked; every access journaled.

Admins see everything; supervisors the recordings of their teams' agents and queues; agents
their own. A `list` returns only the permitted rows (and journals the query); `show`/`export`
of a row outside the user's reach is refused (and the refusal journaled too).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calldesk.auth import Directory, PermissionDenied
from calldesk.errors import CalldeskError
from calldesk.recording import wav
from calldesk.recording.index import PURGED, RecordingIndex, Row
from calldesk.store.journal import Journal


class RecordingNotFound(CalldeskError):
    pass


@dataclass
class RecordingAccess:
    index: RecordingIndex
    directory: Directory
    journal: Journal
    base_dir: Path

    def _log(self, user: str, action: str, at: float, **data: Any) -> None:
        self.journal.append("recording.access", user, {"action": action, **data}, at)

    def _row(self, user: str, rec_id: str, action: str, at: float) -> Row:
        row = self.index.get(rec_id)
        if row is None:
            self._log(user, action, at, id=rec_id, result="not found")
            raise RecordingNotFound(f"no recording {rec_id!r}")
        try:
            self.directory.check_recording(user, row.agent, row.queue, action)
        except PermissionDenied as exc:
            self._log(user, action, at, id=rec_id, result="refused", reason=str(exc))
            raise
        return row

    def list(self, user: str, at: float, **filters: Any) -> list[Row]:
        self.directory.user(user)  # unknown users are refused outright
        rows = []
        for row in self.index.search(**filters):
            try:
                self.directory.check_recording(user, row.agent, row.queue, "list")
            except PermissionDenied:
                continue
            rows.append(row)
        query = {k: v for k, v in filters.items() if v is not None}
        self._log(user, "list", at, filters=query, ids=[r.id for r in rows])
        return rows

    def show(self, user: str, rec_id: str, at: float) -> Row:
        row = self._row(user, rec_id, "show", at)
        self._log(user, "show", at, id=rec_id, result="ok")
        return row

    def export(self, user: str, rec_id: str, dest: Path, at: float) -> Path:
        """Copy the file out, after checking it still matches its sha256."""
        row = self._row(user, rec_id, "export", at)
        src = self.base_dir / row.path
        if row.status == PURGED or not src.exists():
            self._log(user, "export", at, id=rec_id, result="no file", status=row.status)
            raise RecordingNotFound(f"recording {rec_id} has no file ({row.status})")
        if row.sha256 and wav.sha256_of(src) != row.sha256:
            self._log(user, "export", at, id=rec_id, result="checksum mismatch")
            raise CalldeskError(f"recording {rec_id}: file does not match its sha256; not exported")
        target = dest / Path(row.path).name if dest.is_dir() else dest
        shutil.copyfile(src, target)
        self._log(user, "export", at, id=rec_id, result="ok", to=str(target))
        return target

    def set_legal_hold(self, user: str, rec_id: str, hold: bool, at: float) -> Row:
        u = self.directory.user(user)
        if u.role != "admin":
            self._log(user, "legal_hold", at, id=rec_id, result="refused")
            raise PermissionDenied(f"{user} ({u.role}) may not change a legal hold: admins only")
        row = self._row(user, rec_id, "legal_hold", at)
        self.index.update(rec_id, legal_hold=hold)
        self._log(user, "legal_hold", at, id=rec_id, hold=hold, result="ok")
        row.legal_hold = hold
        return row

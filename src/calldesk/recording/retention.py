"""Retention: purge recordings older than their policy's `retention_days` (or, without one, the
voice medium's `customers.retention.voice.recordings_days`); legal hold blocks it.

Each purge deletes the file, keeps the row (status `purged`, its sha256 stays as evidence of what
was deleted) and writes one journal entry. Time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from calldesk.recording.index import COMPLETE, MISSING, PURGED, REPAIRED, RecordingIndex, Row
from calldesk.store.journal import Journal

DAY = 86400.0


@dataclass
class PurgeReport:
    purged: list[str] = field(default_factory=list)  # recording ids
    held: list[str] = field(default_factory=list)  # due but under legal hold


def days_of(row: Row, default_days: int | None = None) -> int | None:
    """The row's own policy days, else the medium's default (None or 0: keep)."""
    return row.retention_days if row.retention_days is not None else (default_days or None)


def due(row: Row, now: float, default_days: int | None = None) -> bool:
    days = days_of(row, default_days)
    if days is None or row.status not in (COMPLETE, REPAIRED, MISSING):
        return False
    return row.started_at + days * DAY <= now


def purge_due(
    index: RecordingIndex,
    journal: Journal,
    base_dir: Path,
    now: float,
    default_days: int | None = None,
) -> PurgeReport:
    report = PurgeReport()
    for status in (COMPLETE, REPAIRED, MISSING):
        for row in list(index.search(status=status, until=now, limit=1_000_000)):
            if not due(row, now, default_days):
                continue
            if row.legal_hold:
                report.held.append(row.id)
                continue
            path = base_dir / row.path
            existed = path.exists()
            path.unlink(missing_ok=True)
            index.update(row.id, status=PURGED)
            journal.append(
                "recording.purged",
                row.interaction,
                {
                    "id": row.id,
                    "path": row.path,
                    "sha256": row.sha256,
                    "file_existed": existed,
                    "retention_days": days_of(row, default_days),
                    "started_at": row.started_at,
                },
                now,
            )
            report.purged.append(row.id)
    return report

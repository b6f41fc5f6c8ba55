"""Retention: purge recordings older than their policy's `retention_days`; legal hold blocks it.

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


def due(row: Row, now: float) -> bool:
    if row.retention_days is None or row.status not in (COMPLETE, REPAIRED, MISSING):
        return False
    return row.started_at + row.retention_days * DAY <= now


def purge_due(index: RecordingIndex, journal: Journal, base_dir: Path, now: float) -> PurgeReport:
    report = PurgeReport()
    for status in (COMPLETE, REPAIRED, MISSING):
        for row in list(index.search(status=status, until=now, limit=1_000_000)):
            if not due(row, now):
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
                    "retention_days": row.retention_days,
                    "started_at": row.started_at,
                },
                now,
            )
            report.purged.append(row.id)
    return report

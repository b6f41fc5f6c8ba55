"""Integrity: every recording ends complete, repaired or missing; none stays corrupt.

At startup `startup_repair` walks the recordings folder and the rows still marked `recording`
(the controller or the switch died mid-call), rewrites broken WAV headers from the real data
length, and records the outcome. `verify_row` does the same for one recording whose leg ended
without a RECORD_STOP. Files a live leg is still writing are left alone (`busy`).
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field
from pathlib import Path

from calldesk.recording import wav
from calldesk.recording.index import COMPLETE, MISSING, RECORDING, REPAIRED, RecordingIndex, Row
from calldesk.store.journal import Journal


@dataclass
class RepairReport:
    repaired: list[str] = field(default_factory=list)  # relative paths
    completed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    skipped_live: list[str] = field(default_factory=list)


def _finish(index: RecordingIndex, row: Row, info: wav.WavInfo, status: str, at: float) -> None:
    index.update(
        row.id,
        status=status,
        size=info.size,
        duration=round(info.seconds, 3),
        sha256=wav.sha256_of(info.path),
        ended_at=row.ended_at if row.ended_at is not None else at,
    )


def verify_row(
    index: RecordingIndex, journal: Journal, base_dir: Path, row: Row, at: float, why: str
) -> str:
    """Check one recording against its file; repair the header if needed. Returns the status."""
    path = base_dir / row.path
    if not path.exists():
        index.update(row.id, status=MISSING, ended_at=row.ended_at or at)
        journal.append(
            "recording.missing", row.interaction, {"id": row.id, "path": row.path, "why": why}, at
        )
        return MISSING
    try:
        info = wav.inspect(path)
    except (wav.NotAWav, OSError) as exc:
        journal.append("recording.unreadable", row.interaction,
                       {"id": row.id, "path": row.path, "error": str(exc)}, at)  # fmt: skip
        return row.status
    if info.healthy:
        _finish(index, row, info, COMPLETE, at)
        journal.append("recording.verified", row.interaction,
                       {"id": row.id, "path": row.path, "why": why, "seconds": info.seconds}, at)  # fmt: skip
        return COMPLETE
    before = info.data_declared
    info = wav.repair(path)
    _finish(index, row, info, REPAIRED, at)
    journal.append("recording.repaired", row.interaction,
                   {"id": row.id, "path": row.path, "why": why, "declared_bytes": before,
                    "data_bytes": info.data_actual, "seconds": info.seconds}, at)  # fmt: skip
    return REPAIRED


def startup_repair(
    index: RecordingIndex,
    journal: Journal,
    base_dir: Path,
    at: float,
    live_paths: Container[str] = (),
    is_live_leg: Callable[[str], bool] = lambda uuid: False,
) -> RepairReport:
    """Repair every broken WAV under `base_dir` and settle every unfinished row."""
    report = RepairReport()
    for row in list(index.search(status=RECORDING, limit=1_000_000)):
        if row.path in live_paths or any(is_live_leg(u) for u in row.legs):
            report.skipped_live.append(row.path)
            continue
        status = verify_row(index, journal, base_dir, row, at, "unfinished at startup")
        {REPAIRED: report.repaired, COMPLETE: report.completed, MISSING: report.missing}.get(
            status, report.unreadable
        ).append(row.path)
    if not base_dir.exists():
        return report
    settled = set(report.repaired + report.completed + report.skipped_live)
    for path in sorted(base_dir.rglob("*.wav")):
        rel = path.relative_to(base_dir).as_posix()
        if rel in settled or rel in live_paths:
            continue
        try:
            info = wav.inspect(path)
        except (wav.NotAWav, OSError):
            report.unreadable.append(rel)
            continue
        if info.healthy:
            continue
        found = index.by_path(rel)
        if found is not None:
            verify_row(index, journal, base_dir, found, at, "broken header at startup")
        else:
            before = info.data_declared
            info = wav.repair(path)
            journal.append("recording.repaired", rel,
                           {"path": rel, "indexed": False, "declared_bytes": before,
                            "data_bytes": info.data_actual, "seconds": info.seconds}, at)  # fmt: skip
        report.repaired.append(rel)
    return report

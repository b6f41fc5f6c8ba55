"""The recordings index: one row per recording file, with its integrity and retention state.

The table is created by store migration 005_recordings_supervision.

Status: recording -> complete | repaired | purged (and `missing` when the file is gone;
`failed` when the switch never started it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

RECORDING, COMPLETE, REPAIRED, PURGED, MISSING, FAILED = (
    "recording",
    "complete",
    "repaired",
    "purged",
    "missing",
    "failed",
)


@dataclass
class Row:
    id: str
    interaction: str
    path: str
    started_at: float
    status: str = RECORDING
    legs: list[str] = field(default_factory=list)
    agent: str | None = None
    queue: str | None = None
    campaign: str | None = None
    ended_at: float | None = None
    duration: float | None = None
    size: int | None = None
    sha256: str | None = None
    legal_hold: bool = False
    retention_days: int | None = None
    stereo: bool = False
    switch: str | None = None
    why: str = ""

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["legal_hold"] = bool(self.legal_hold)
        return d


def _to_row(r: dict[str, Any]) -> Row:
    r = dict(r)
    r["legs"] = json.loads(r.get("legs") or "[]")
    r["legal_hold"] = bool(r.get("legal_hold"))
    r["stereo"] = bool(r.get("stereo"))
    return Row(**r)


class RecordingIndex:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.table = db.table("recordings")

    def insert(self, row: Row) -> None:
        d = row.as_dict()
        d["legs"] = json.dumps(row.legs)
        d["legal_hold"] = int(row.legal_hold)
        d["stereo"] = int(row.stereo)
        self.table.insert(d)

    def update(self, rec_id: str, **changes: Any) -> None:
        if "legal_hold" in changes:
            changes["legal_hold"] = int(bool(changes["legal_hold"]))
        self.table.update(rec_id, changes)

    def get(self, rec_id: str) -> Row | None:
        rows = list(self.table.rows_where("id = ?", [rec_id]))
        return _to_row(rows[0]) if rows else None

    def by_path(self, path: str) -> Row | None:
        rows = list(self.table.rows_where("path = ?", [path]))
        return _to_row(rows[0]) if rows else None

    def search(
        self,
        *,
        interaction: str | None = None,
        agent: str | None = None,
        queue: str | None = None,
        since: float | None = None,
        until: float | None = None,
        status: str | None = None,
        limit: int = 200,
    ) -> Iterator[Row]:
        where: list[str] = []
        args: list[Any] = []
        for col, val in (
            ("interaction", interaction),
            ("agent", agent),
            ("queue", queue),
            ("status", status),
        ):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        if since is not None:
            where.append("started_at >= ?")
            args.append(since)
        if until is not None:
            where.append("started_at < ?")
            args.append(until)
        for r in self.table.rows_where(
            " AND ".join(where) or None, args, order_by="started_at", limit=limit
        ):
            yield _to_row(r)

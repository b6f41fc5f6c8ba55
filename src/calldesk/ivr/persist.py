"""Run persistence: each step transition is saved, so a restarted controller resumes callers.

Tables come from the store's migration `003_ivr_runs`; `ensure_tables` creates the same tables
when a bare sqlite-utils Database is used (tests, tools)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Protocol

import sqlite_utils

from calldesk.ivr.flow import Flow
from calldesk.ivr.runner import RunOutcome, masked_variables
from calldesk.ivr.state import RunState

RUNS = "ivr_runs"
VERSIONS = "ivr_flow_versions"


class JournalLike(Protocol):
    def append(self, kind: str, subject: str, data: dict[str, Any] | None, at: float) -> int: ...


def ensure_tables(db: sqlite_utils.Database) -> None:
    if RUNS not in db.table_names():
        db.table(RUNS).create(
            {
                "interaction_id": str,
                "flow": str,
                "version": str,
                "step": str,
                "status": str,
                "state": str,
                "started_at": float,
                "updated_at": float,
            },
            pk="interaction_id",
        )
        db.table(RUNS).create_index(["status"])
    if "address" not in db.table(RUNS).columns_dict:  # migration 009 on a store; here for bare dbs
        db.table(RUNS).add_column("address", str)
        db.table(RUNS).create_index(["address"])
    if VERSIONS not in db.table_names():
        db.table(VERSIONS).create(
            {"name": str, "version": str, "file": str, "source": str, "first_seen": float},
            pk=("name", "version"),
        )


class RunStore:
    """Implements the runner's RunRecorder over SQLite, plus the journal entries."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        journal: JournalLike | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.journal = journal
        self.clock = clock
        ensure_tables(db)

    # --- RunRecorder -------------------------------------------------------------------------
    def started(self, state: RunState, flow: Flow) -> None:
        self.remember_flow(flow)
        now = self.clock()
        self._save(state, "active", started_at=now)
        self._journal("ivr.started", state, now, file=flow.file)

    def transition(self, state: RunState) -> None:
        now = self.clock()
        self._save(state, "active")
        self._journal("ivr.step", state, now)

    def finished(self, state: RunState, outcome: RunOutcome) -> None:
        now = self.clock()
        self._save(state, outcome.status)
        self._journal("ivr.finished", state, now, status=outcome.status, detail=outcome.detail)

    # --- queries -----------------------------------------------------------------------------
    def load(self, interaction_id: str) -> RunState | None:
        rows = list(self.db.table(RUNS).rows_where("interaction_id = ?", [interaction_id]))
        return RunState.from_dict(json.loads(rows[0]["state"])) if rows else None

    def status(self, interaction_id: str) -> str | None:
        rows = list(self.db.table(RUNS).rows_where("interaction_id = ?", [interaction_id]))
        return rows[0]["status"] if rows else None

    def status_at(self, address: str) -> str | None:
        """The status of the newest run on a leg (or thread), if any."""
        row = self.db.execute(
            f"SELECT status FROM {RUNS} WHERE address = ? ORDER BY started_at DESC LIMIT 1",
            [address],
        ).fetchone()
        return row[0] if row else None

    def active(self) -> list[RunState]:
        rows = self.db.table(RUNS).rows_where("status = ?", ["active"], order_by="started_at")
        return [RunState.from_dict(json.loads(r["state"])) for r in rows]

    def remember_flow(self, flow: Flow) -> None:
        """Keep the exact source of every version a run started on, for resuming after restart."""
        self.db.table(VERSIONS).insert(
            {
                "name": flow.name,
                "version": flow.version,
                "file": flow.file,
                "source": flow.source,
                "first_seen": self.clock(),
            },
            ignore=True,
        )

    def flow_source(self, name: str, version: str) -> tuple[str, str] | None:
        rows = list(self.db.table(VERSIONS).rows_where("name = ? and version = ?", [name, version]))
        return (rows[0]["file"], rows[0]["source"]) if rows else None

    # --- internals ---------------------------------------------------------------------------
    def _save(self, state: RunState, status: str, started_at: float | None = None) -> None:
        row = {
            "interaction_id": state.interaction_id,
            "address": state.address or state.interaction_id,
            "flow": state.flow,
            "version": state.version,
            "step": state.step,
            "status": status,
            "state": json.dumps(state.to_dict(), default=str),
            "updated_at": self.clock(),
        }
        if started_at is not None:
            row["started_at"] = started_at
        self.db.table(RUNS).upsert(row, pk="interaction_id")

    def _journal(self, kind: str, state: RunState, at: float, **extra: Any) -> None:
        if self.journal is None:
            return
        data = {
            "flow": state.flow,
            "version": state.version,
            "step": state.step,
            "language": state.language,  # the journey's "language spoken last time"
            "variables": masked_variables(state),
            **extra,
        }
        self.journal.append(
            kind, state.interaction_id, json.loads(json.dumps(data, default=str)), at
        )

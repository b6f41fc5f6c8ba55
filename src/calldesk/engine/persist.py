"""What the engine (and the voice adapter) keep in the store (migration 007):

- `acd_inputs`: every input the pure core was given, with its time and batch, in order. The core
  is deterministic, so replaying them into a core built from the same configuration and seed
  rebuilds waiting positions, agent states and offers after a controller restart.
- `acd_legs`: which leg is an interaction's caller (`caller:<interaction>`), an offer's agent
  leg (`offer:<offer>`) or a callback's customer (`callback:<interaction>`), and on which switch.
- `acd_snapshots` (migration 008): the core's newest snapshot and the last batch it includes.
  Writing one deletes the inputs up to that batch and older snapshots, in one transaction;
  recovery restores it and replays only the inputs after it.
- `screen_pops`: one row per answered offer (queue, customer, IVR data and journey); the agent
  desktop and the API read it by agent, newest first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from calldesk.acd import events as ev
from calldesk.acd.replay import encode
from calldesk.store import Store, jsontext, transaction
from calldesk.telephony.legs import LegRef


class EngineStore:
    """Leg-map and screen-pop writes are queued (they may come from the ESL reader, which must
    not wait on the disk) and written with the next batch of inputs, in one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self._pending: list[tuple[str, list[Any]]] = []

    def flush(self, rows: list[tuple[float, int, str, str]] | None = None) -> None:
        if not rows and not self._pending:
            return
        ops, self._pending = self._pending, []
        # Deferred: it joins the group commit (the engine's step, or the loop's), in order.
        with transaction(self.db.conn, defer=True) as conn:
            if rows:
                conn.executemany(
                    "INSERT INTO acd_inputs (at, batch, type, data) VALUES (?, ?, ?, ?)", rows
                )
            for sql, args in ops:
                conn.execute(sql, args)

    # core inputs
    def input_rows(self, events: Sequence[ev.Event], at: float, batch: int,
                   settle_first: bool = False) -> list[tuple[float, int, str, str]]:
        rows = []
        for e in events:
            rec = encode(e, at, batch, settle_first)
            rows.append((at, batch, rec.pop("type"), jsontext.dumps(rec)))
        return rows

    def inputs(self, after: int = 0) -> Iterator[dict[str, Any]]:
        """Recorded inputs of batches after `after` (a snapshot's batch), in order."""
        cur = self.db.execute(
            "SELECT at, batch, type, data FROM acd_inputs WHERE batch > ? ORDER BY id", [after]
        )
        for at, batch, kind, data in cur:
            rec = jsontext.loads(data)
            rec.update(at=at, batch=batch, type=kind)
            yield rec

    def last_batch(self) -> int:
        row = self.db.execute(
            "SELECT max(coalesce((SELECT max(batch) FROM acd_inputs), 0),"
            " coalesce((SELECT max(batch) FROM acd_snapshots), 0))"
        ).fetchone()
        return int(row[0] or 0)

    # snapshots and compaction
    def save_snapshot(self, snap: dict[str, Any], batch: int, at: float) -> int:
        """Store the core's snapshot as of `batch`; drop the inputs it covers and older
        snapshots, in one transaction with any queued leg writes. Returns inputs deleted."""
        ops, self._pending = self._pending, []
        with transaction(self.db.conn):
            for sql, args in ops:
                self.db.conn.execute(sql, args)
            cur = self.db.conn.execute(
                "INSERT INTO acd_snapshots (batch, at, data) VALUES (?, ?, ?)",
                [batch, at, json.dumps(snap, separators=(",", ":"))],
            )
            self.db.conn.execute("DELETE FROM acd_snapshots WHERE id < ?", [cur.lastrowid])
            gone = self.db.conn.execute("DELETE FROM acd_inputs WHERE batch <= ?", [batch])
        return gone.rowcount

    def latest_snapshot(self) -> tuple[int, dict[str, Any]] | None:
        """(batch, snapshot) of the newest snapshot, if any."""
        row = self.db.execute(
            "SELECT batch, data FROM acd_snapshots ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return (int(row[0]), json.loads(row[1])) if row else None

    # legs
    def map_leg(self, key: str, ref: LegRef, role: str) -> None:
        self._pending.append(
            (
                "INSERT OR REPLACE INTO acd_legs (key, leg, switch, role, at) VALUES (?, ?, ?, ?, ?)",
                [key, ref.uuid, ref.switch, role, ref.at],
            )
        )

    def unmap(self, *keys: str) -> None:
        if keys:
            marks = ",".join("?" * len(keys))
            self._pending.append((f"DELETE FROM acd_legs WHERE key IN ({marks})", list(keys)))

    def legs(self) -> dict[str, LegRef]:
        self.flush()
        return {
            key: LegRef(leg, switch, at)
            for key, leg, switch, at in self.db.execute("SELECT key, leg, switch, at FROM acd_legs")
        }

    # screen pops
    def screen_pop(
        self, offer: str, interaction: str, agent: str, at: float, data: dict[str, Any]
    ) -> None:
        self._pending.append(
            (
                "INSERT OR REPLACE INTO screen_pops (offer, interaction, agent, at, data) "
                "VALUES (?, ?, ?, ?, ?)",
                [offer, interaction, agent, at, jsontext.dumps(data, sort_keys=True)],
            )
        )

    def screen_pops(self, agent: str, limit: int = 10) -> list[dict[str, Any]]:
        self.flush()
        rows = self.db.execute(
            "SELECT offer, interaction, at, data FROM screen_pops WHERE agent = ? "
            "ORDER BY at DESC LIMIT ?",
            [agent, limit],
        ).fetchall()
        return [{"offer": o, "interaction": i, "at": at, **jsontext.loads(d)} for o, i, at, d in rows]

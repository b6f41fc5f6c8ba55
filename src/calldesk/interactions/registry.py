"""Interactions in SQLite (migration 009): each with its medium, identities, data, and the legs or
threads attached to it over time. A voice interaction starts with the caller's leg; an agent leg,
a callback's customer leg or a transfer's new leg is attached later under the same id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from calldesk.interactions.ids import new_interaction_id
from calldesk.store import jsontext
from calldesk.store.tx import transaction


@dataclass(frozen=True)
class Attachment:
    address: str  # a leg uuid, or a message thread id
    role: str  # customer, agent, supervisor, thread, ...
    attached_at: float
    detached_at: float | None = None


@dataclass(frozen=True)
class InteractionRecord:
    id: str
    medium: str
    opened_at: float
    closed_at: float | None
    identities: dict[str, Any]
    data: dict[str, Any]
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)

    def addresses(self, role: str | None = None, live: bool = True) -> list[str]:
        return [
            a.address
            for a in self.attachments
            if (role is None or a.role == role) and (not live or a.detached_at is None)
        ]


class Interactions:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def open(
        self,
        medium: str,
        *,
        at: float,
        address: str = "",
        role: str = "customer",
        identities: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        iid: str | None = None,
    ) -> str:
        """A new interaction (with its first attachment, if `address`); returns its id."""
        iid = iid or new_interaction_id(medium)
        with transaction(self.db.conn, defer=True):  # group commit: see store.tx
            self.db.conn.execute(
                "INSERT INTO interactions (id, medium, opened_at, identities, data) "
                "VALUES (?, ?, ?, ?, ?)",
                [iid, medium, at, _json(identities), _json(data)],
            )
            if address:
                self._attach(iid, address, role, at)
        return iid

    def attach(self, iid: str, address: str, role: str, at: float) -> None:
        """Attach a leg or thread; an address belongs to one interaction at a time."""
        with transaction(self.db.conn, defer=True):
            self._attach(iid, address, role, at)

    def detach(self, address: str, at: float) -> None:
        self.db.execute(
            "UPDATE interaction_attachments SET detached_at = ? "
            "WHERE address = ? AND detached_at IS NULL",
            [at, address],
        )

    def of_address(self, address: str) -> str | None:
        """The interaction a leg or thread is attached to now."""
        row = self.db.execute(
            "SELECT interaction FROM interaction_attachments "
            "WHERE address = ? AND detached_at IS NULL ORDER BY id DESC LIMIT 1",
            [address],
        ).fetchone()
        return row[0] if row else None

    def last_at(self, address: str) -> str | None:
        """The interaction a leg or thread was last attached to, even if it has ended."""
        row = self.db.execute(
            "SELECT interaction FROM interaction_attachments WHERE address = ? "
            "ORDER BY id DESC LIMIT 1",
            [address],
        ).fetchone()
        return row[0] if row else None

    def get(self, iid: str) -> InteractionRecord | None:
        row = self.db.execute(
            "SELECT id, medium, opened_at, closed_at, identities, data FROM interactions "
            "WHERE id = ?",
            [iid],
        ).fetchone()
        if row is None:
            return None
        rows = self.db.execute(
            "SELECT address, role, attached_at, detached_at FROM interaction_attachments "
            "WHERE interaction = ? ORDER BY id",
            [iid],
        ).fetchall()
        return InteractionRecord(
            row[0], row[1], row[2], row[3], jsontext.loads(row[4]), jsontext.loads(row[5]),
            tuple(Attachment(*r) for r in rows),
        )

    def update_data(self, iid: str, values: Mapping[str, Any]) -> None:
        rec = self.get(iid)
        if rec is not None:
            self.db.execute(
                "UPDATE interactions SET data = ? WHERE id = ?", [_json({**rec.data, **values}), iid]
            )

    def close(self, iid: str, at: float) -> None:
        with transaction(self.db.conn, defer=True):
            self.db.conn.execute(
                "UPDATE interactions SET closed_at = ? WHERE id = ? AND closed_at IS NULL", [at, iid]
            )
            self.db.conn.execute(
                "UPDATE interaction_attachments SET detached_at = ? "
                "WHERE interaction = ? AND detached_at IS NULL",
                [at, iid],
            )

    def _attach(self, iid: str, address: str, role: str, at: float) -> None:
        self.db.conn.execute(
            "UPDATE interaction_attachments SET detached_at = ? "
            "WHERE address = ? AND detached_at IS NULL AND interaction != ?",
            [at, address, iid],
        )
        self.db.conn.execute(
            "INSERT INTO interaction_attachments (interaction, address, role, attached_at) "
            "SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM interaction_attachments "
            "WHERE interaction = ? AND address = ? AND detached_at IS NULL)",
            [iid, address, role, at, iid, address],
        )


def _json(value: Mapping[str, Any] | None) -> str:
    return jsontext.dumps(dict(value or {}), sort_keys=True)

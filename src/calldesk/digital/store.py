"""The transcript store (SQLite): conversations and their messages, each committed before the
medium's acknowledgement, so an accepted message survives a crash."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, fields
from typing import Any

from calldesk.digital.model import STATUS_ORDER, Attachment, Conversation, Message, new_id
from calldesk.errors import CalldeskError
from calldesk.store import Store
from calldesk.store.tx import durable

_CONV_FIELDS = [f.name for f in fields(Conversation)]
# Plain SQL on the hot path (every message reads and saves its conversation): sqlite-utils'
# table helpers look the schema up on each call, which cost more than the statements.
_UPDATE = (
    f"UPDATE digital_conversations SET {', '.join(f'{k} = ?' for k in _CONV_FIELDS[1:])}"
    " WHERE id = ?"
)
_SELECT = f"SELECT {', '.join(_CONV_FIELDS)} FROM digital_conversations"


def _conv(row: dict[str, Any]) -> Conversation:
    values = {k: row[k] for k in _CONV_FIELDS}
    values["data"] = json.loads(row["data"] or "{}")
    return Conversation(**values)


def _msg(row: dict[str, Any]) -> Message:
    atts = tuple(Attachment(**a) for a in json.loads(row["attachments"] or "[]"))
    return Message(
        row["id"],
        row["interaction"],
        row["seq"],
        row["direction"],
        row["author"],
        row["text"],
        row["at"],
        row["status"],
        atts,
        row["external_id"] or "",
    )


class MessageStore:
    def __init__(self, store: Store) -> None:
        self.db = store.db

    # -- conversations ---------------------------------------------------------------------
    def create(self, conv: Conversation) -> Conversation:
        row = asdict(conv)
        row["data"] = json.dumps(conv.data, default=str)
        self.db.table("digital_conversations").insert(row)
        durable(self.db.conn)
        return conv

    def save(self, conv: Conversation) -> None:
        values = [getattr(conv, k) for k in _CONV_FIELDS[1:]]
        values[_CONV_FIELDS.index("data") - 1] = json.dumps(conv.data, default=str)
        self.db.execute(_UPDATE, [*values, conv.id])

    def _one(self, where: str, args: list[Any]) -> Conversation | None:
        row = self.db.execute(f"{_SELECT} WHERE {where} LIMIT 1", args).fetchone()
        return _conv(dict(zip(_CONV_FIELDS, row, strict=True))) if row else None

    def get(self, iid: str) -> Conversation | None:
        return self._one("id = ?", [iid])

    def require(self, iid: str) -> Conversation:
        """A conversation the caller knows exists (it opened it); a clear error if it does not."""
        conv = self.get(iid)
        if conv is None:
            raise CalldeskError(f"{iid}: no such conversation")
        return conv

    def latest(self, medium: str, address: str) -> Conversation | None:
        """The customer's newest conversation on that medium (open or not)."""
        return self._one(
            "medium = ? AND address = ? ORDER BY opened_at DESC, rowid DESC", [medium, address]
        )

    def open_conversations(self) -> list[Conversation]:
        return [_conv(r) for r in self.db["digital_conversations"].rows_where("state != 'closed'")]

    # -- messages ----------------------------------------------------------------------------
    def add(
        self,
        iid: str,
        direction: str,
        author: str,
        text: str,
        at: float,
        *,
        status: str = "accepted",
        attachments: Iterable[Attachment] = (),
        external_id: str = "",
    ) -> Message:
        """Store one message (committed when this returns)."""
        row = self.db.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM digital_messages WHERE interaction = ?", [iid]
        ).fetchone()
        msg = Message(
            new_id("m"),
            iid,
            int(row[0]),
            direction,
            author,
            text,
            at,
            status,
            tuple(attachments),
            external_id,
        )
        self.db.execute(
            "INSERT INTO digital_messages (id, interaction, seq, direction, author, text, at,"
            " status, attachments, external_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                msg.id,
                iid,
                msg.seq,
                direction,
                author,
                text,
                at,
                status,
                json.dumps([asdict(a) for a in msg.attachments]),
                external_id,
            ],
        )
        durable(self.db.conn)  # stored before it is acknowledged
        return msg

    def by_external(self, iid: str, external_id: str) -> Message | None:
        """A message already stored under the client's or provider's id (dedupe on retry)."""
        return self._message("interaction = ? AND external_id = ?", [iid, external_id])

    def find_external(self, external_id: str) -> Message | None:
        return self._message("external_id = ?", [external_id])

    def _message(self, where: str, args: list[Any]) -> Message | None:
        cur = self.db.execute(f"SELECT * FROM digital_messages WHERE {where} LIMIT 1", args)
        row = cur.fetchone()
        return _msg(dict(zip([c[0] for c in cur.description], row, strict=True))) if row else None

    def set_status(self, message_id: str, status: str) -> bool:
        """Move a message's delivery status forward (a late 'delivered' never undoes 'read')."""
        row = self.db.execute("SELECT status FROM digital_messages WHERE id = ?", [message_id])
        found = row.fetchone()
        if found is None or STATUS_ORDER.get(status, -1) <= STATUS_ORDER.get(found[0], -1):
            return False
        self.db.execute("UPDATE digital_messages SET status = ? WHERE id = ?", [status, message_id])
        return True

    def transcript(self, iid: str, *, with_history: bool = True) -> list[Message]:
        """The conversation's messages in order, after those of the conversations it continues."""
        chain: list[str] = []
        conv = self.get(iid)
        while conv is not None and conv.id not in chain:
            chain.insert(0, conv.id)
            conv = self.get(conv.previous) if with_history and conv.previous else None
        out: list[Message] = []
        for cid in chain:
            out += [
                _msg(r)
                for r in self.db["digital_messages"].rows_where(
                    "interaction = ?", [cid], order_by="seq"
                )
            ]
        return out

    def set_external(self, message_id: str, external_id: str) -> None:
        self.db.execute(
            "UPDATE digital_messages SET external_id = ? WHERE id = ?", [external_id, message_id]
        )

"""The common model of the text media: a conversation (the interaction) and its messages."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

DIRECTIONS = ("in", "out")
# accepted: stored, not yet handed on; sent: handed to the medium; delivered/read: receipts.
STATUSES = ("accepted", "sent", "delivered", "read", "failed")
STATUS_ORDER = {s: i for i, s in enumerate(STATUSES)}
# bot: a flow runs it; queued: waiting in the ACD; offered; connected: with an agent.
STATES = ("bot", "queued", "offered", "connected", "closed")


def new_id(prefix: str) -> str:
    """An interaction or message id of its own (never a leg uuid)."""
    return f"{prefix}-{secrets.token_hex(8)}"


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size: int
    path: str  # where calldesk stored it (served to agents only, never shown)


@dataclass(frozen=True)
class Message:
    id: str
    interaction: str
    seq: int  # order within the conversation
    direction: str  # in (from the customer) or out
    author: str  # customer, bot, agent:<id>, system
    text: str
    at: float
    status: str = "accepted"
    attachments: tuple[Attachment, ...] = ()
    external_id: str = ""  # the provider's id (SMS sid, Message-ID, client message id)
    html: str = ""  # an email's HTML body, sanitized when it was received; "" for none

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "interaction": self.interaction,
            "seq": self.seq,
            "direction": self.direction,
            "author": self.author,
            "text": self.text,
            "at": self.at,
            "status": self.status,
            "attachments": [  # by id (`<message>.<n>`), never by the stored path
                {"id": f"{self.id}.{i}", "name": a.name, "type": a.content_type, "size": a.size}
                for i, a in enumerate(self.attachments)
            ],
        }


@dataclass
class Conversation:
    id: str
    medium: str
    address: str  # the customer's identity as the medium gave it: visitor id, number, email
    opened_at: float
    state: str = "bot"
    name: str = ""
    queue: str = ""
    agent: str = ""
    flow: str = ""
    last_in_at: float = 0.0  # the customer's last message
    last_out_at: float = 0.0  # the last message to the customer (bot, agent, system)
    reminded_at: float = 0.0
    closed_at: float = 0.0
    close_reason: str = ""
    previous: str = ""  # the closed conversation this one carries the history of
    data: dict[str, Any] = field(default_factory=dict)  # what the flow collected

    @property
    def open(self) -> bool:
        return self.state != "closed"

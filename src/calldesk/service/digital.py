"""Digital interactions for agents (chat, SMS, email): the transcript, replies, typing, read
marks, closing, canned responses and attachments. Every method takes the acting user first and
checks it: an agent acts only on the conversations it holds (or is offered), a supervisor on
those of its teams' agents and queues, an admin on all. Only the holding agent may write to
the customer. Each state change is journaled (`api.digital.*`) with who did it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from calldesk.auth import User
from calldesk.digital.canned import CannedError, scope_of
from calldesk.digital.desk import DigitalDesk, DigitalError
from calldesk.digital.model import Conversation, Message
from calldesk.service.access import Access
from calldesk.service.errors import Invalid, NotFound, Refused

TypingPush = Callable[[str, dict[str, Any]], None]  # (interaction, data): not journaled


def message_out(m: Message) -> dict[str, Any]:
    """A message as the API shows it: attachments by id and URL, never by their stored path;
    `html` only for a message that had an HTML body (sanitized when it was received)."""
    out = {
        "id": m.id,
        "seq": m.seq,
        "direction": m.direction,
        "author": m.author,
        "text": m.text,
        "attachments": [
            {
                "id": f"{m.id}.{i}",
                "name": a.name,
                "type": a.content_type,
                "size": a.size,
                "url": f"/api/attachments/{m.id}.{i}",
            }
            for i, a in enumerate(m.attachments)
        ],
        "at": m.at,
        "status": m.status,
        "interaction": m.interaction,
    }
    if m.html:
        out["html"] = m.html
    return out


class DigitalService:
    def __init__(self, access: Access, desk: DigitalDesk, typing: TypingPush | None = None) -> None:
        self.access, self.desk = access, desk
        self.typing_push = typing or (lambda iid, data: None)

    # -- checks ------------------------------------------------------------------------------
    def _conv(self, user: User, iid: str, action: str) -> Conversation:
        conv = self.desk.messages.get(iid)
        if conv is None:
            raise NotFound(f"no digital interaction {iid!r}")
        self.access.interaction(user, iid, conv.agent or None, conv.queue or None, action)
        return conv

    def _holder(self, user: User, iid: str, action: str) -> Conversation:
        """The conversation, if `user` is the agent connected to it."""
        conv = self._conv(user, iid, action)
        if not user.agent or conv.agent != user.agent:
            raise self.access.deny(
                user, action, iid, f"{user.id} may {action} only a conversation they hold"
            )
        if conv.state != "connected":
            raise Refused(f"{iid}: {conv.state}, not connected to an agent")
        return conv

    def _journal(self, kind: str, user: User, iid: str, **data: Any) -> None:
        self.desk.journal.append(
            f"api.digital.{kind}", iid, {"by": user.id, **data}, self.access.clock()
        )

    # -- offers ------------------------------------------------------------------------------
    def accept(self, offer: str, agent: str) -> dict[str, Any]:
        """The agent's accept of a digital offer (the caller checked the user may act for
        `agent`): the ACD connects it; the agent gets the transcript and what the flow kept."""
        try:
            view = self.desk.accept(offer, agent)
        except DigitalError as exc:
            raise Refused(str(exc)) from None
        msgs = self.desk.messages.transcript(view["interaction"])
        return {
            "interaction": view["interaction"],
            "medium": view["medium"],
            "queue": view["queue"],
            "transcript": [message_out(m) for m in msgs],
            "data": view["collected"],
            "customer": view["customer"],
            "previous": view["previous"],
        }

    # -- messages ----------------------------------------------------------------------------
    def messages(self, user: User, iid: str, since_seq: int = 0) -> list[dict[str, Any]]:
        """The transcript (with the conversations this one continues) after a sequence of
        this conversation."""
        self._conv(user, iid, "read the messages of")
        return [
            message_out(m)
            for m in self.desk.messages.transcript(iid)
            if not since_seq or (m.interaction == iid and m.seq > since_seq)
        ]

    def send(self, user: User, iid: str, text: str, canned: str | None = None) -> dict:
        conv = self._holder(user, iid, "write to")
        if not text.strip():
            if not canned:
                raise Invalid("text", "write a text or name a canned response")
            text = self._render(conv, canned, user)
        msg = self.desk.reply(iid, conv.agent, text)
        self._journal("reply", user, iid, message=msg.id, canned=canned)
        return message_out(msg)

    def typing(self, user: User, iid: str, on: bool) -> dict[str, Any]:
        conv = self._holder(user, iid, "type in")
        if conv.medium == "chat":
            hub = self.desk.transports.get("chat")
            if hub is not None and hasattr(hub, "push"):
                hub.push(conv.address, {"type": "typing", "author": "agent", "on": on})
        self.typing_push(iid, {"agent": conv.agent, "author": f"agent:{conv.agent}", "on": on})
        return {"interaction": iid, "on": on}

    def read(self, user: User, iid: str, upto_seq: int) -> dict[str, Any]:
        conv = self._holder(user, iid, "mark read")
        try:
            changed = self.desk.mark_read(iid, conv.agent, upto_seq)
        except DigitalError as exc:
            raise Refused(str(exc)) from None
        return {"interaction": iid, "changed": changed}

    def close(self, user: User, iid: str) -> dict[str, Any]:
        """Ends it: the holding agent (or a supervisor of it) closes; the agent wraps up, and
        the survey follows where configured."""
        conv = self._conv(user, iid, "close")
        if user.role == "agent" and conv.agent != user.agent:
            raise self.access.deny(user, "close", iid, f"{user.id} holds no conversation {iid}")
        if not conv.open:
            raise Refused(f"{iid}: already closed")
        self.desk.close(iid, "agent_closed" if user.role == "agent" else "closed_by_supervisor")
        self._journal("close", user, iid)
        after = self.desk.messages.get(iid)
        return {"interaction": iid, "state": after.state if after else "closed"}

    # -- canned responses --------------------------------------------------------------------
    def canned(self, user: User, queue: str = "", lang: str = "", q: str = "") -> list[dict]:
        items = self.desk.settings.canned
        if items is None:
            return []
        return [
            {"id": c.id, "title": c.title, "text": c.text, "queue": c.queue, "lang": c.language}
            for c in items.search(q, queue, lang)
        ]

    def _render(self, conv: Conversation, canned: str, user: User) -> str:
        items = self.desk.settings.canned
        if items is None or canned not in items.items:
            raise NotFound(f"no canned response {canned!r}")
        try:
            return items.render(canned, scope_of(self.desk.handoff_view(conv.id), conv.agent))
        except CannedError as exc:
            raise Refused(str(exc)) from None

    def render(self, user: User, canned: str, iid: str) -> dict[str, Any]:
        conv = self._conv(user, iid, "render canned responses for")
        return {"text": self._render(conv, canned, user)}

    # -- attachments -------------------------------------------------------------------------
    def attachment(self, user: User, attachment: str) -> tuple[Path, str, str]:
        """(stored file, content type, name) of a message's attachment `<message>.<n>`."""
        mid, _, index = attachment.rpartition(".")
        rows = list(self.desk.store.db["digital_messages"].rows_where("id = ?", [mid], limit=1))
        if not rows or not index.isdigit():
            raise NotFound(f"no attachment {attachment!r}")
        msg = next(
            m
            for m in self.desk.messages.transcript(rows[0]["interaction"], with_history=False)
            if m.id == mid
        )
        self._may_download(user, msg.interaction)
        if int(index) >= len(msg.attachments):
            raise NotFound(f"no attachment {attachment!r}")
        a = msg.attachments[int(index)]
        path = Path(a.path)
        if not path.is_file():
            raise NotFound(f"attachment {attachment!r}: the stored file is gone")
        self._journal("attachment", user, msg.interaction, attachment=attachment)
        return path, a.content_type, a.name

    def _may_download(self, user: User, iid: str) -> None:
        """As for the transcript, over the conversation and those that continue it (their
        transcripts show its attachments); an agent also if it held (answered) one of them.
        Else one `access.denied` and 403."""
        chain = self._continued_by(iid)
        if user.role == "admin":
            return
        convs = [c for c in (self.desk.messages.get(cid) for cid in chain) if c is not None]
        if user.role == "agent":
            held = {c.agent for c in convs} | self._answered_by(chain)
            if user.agent and user.agent in held:
                return
        else:
            agents = self.access.agents_of(user) or set()
            queues = self.access.directory.queues_of(user) or set()
            if any(c.agent in agents or c.queue in queues for c in convs):
                return
        raise self.access.deny(
            user, "download attachments of", iid, f"{user.id} may not see interaction {iid}"
        )

    def _continued_by(self, iid: str, most: int = 50) -> list[str]:
        """`iid` and the conversations that carry its history on (each names its previous)."""
        chain = [iid]
        while len(chain) < most:
            row = self.desk.store.db.execute(
                "SELECT id FROM digital_conversations WHERE previous = ? LIMIT 1", [chain[-1]]
            ).fetchone()
            if row is None or row[0] in chain:
                break
            chain.append(row[0])
        return chain

    def _answered_by(self, chain: list[str]) -> set[str]:
        """Agents who answered any of these conversations (the journal keeps each)."""
        return {
            str(e.data.get("agent"))
            for cid in chain
            for e in self.desk.journal.read(kind="interaction.answered", subject=cid)
            if e.data.get("agent")
        }

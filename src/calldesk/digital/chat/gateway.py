"""The public chat endpoint's logic, behind `calldesk.web.chat:bp`: who may start, what a visitor
may send and read (only their own conversation), each refusal with a code and a reason."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calldesk.digital.attachments import AttachmentStore, Refused
from calldesk.digital.chat.hub import ChatHub
from calldesk.digital.chat.invite import Outlook, decide
from calldesk.digital.chat.limits import BadText, RateLimiter, clean_text
from calldesk.digital.chat.prechat import BadProfile
from calldesk.digital.chat.settings import ChatSettings
from calldesk.digital.chat.tokens import BadToken, VisitorTokens
from calldesk.digital.desk import DigitalDesk
from calldesk.digital.model import Message

log = logging.getLogger("calldesk.digital.chat")


class ChatRefused(Exception):
    def __init__(self, status: int, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.field = status, code, detail, field


@dataclass
class ChatGateway:
    desk: DigitalDesk
    hub: ChatHub
    tokens: VisitorTokens
    clock: Callable[[], float]
    settings: ChatSettings = ChatSettings()
    attachments: AttachmentStore | None = None  # None: the widget offers no upload
    outlook: Callable[[str], Outlook] | None = None  # queue -> now; None: never invite
    _starts: RateLimiter = field(init=False)
    _messages: RateLimiter = field(init=False)
    _uploads: RateLimiter = field(init=False)
    _invites: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self._starts = RateLimiter(self.settings.sessions_per_minute)
        self._messages = RateLimiter(self.settings.messages_per_minute)
        self._uploads = RateLimiter(self.settings.attachments.per_minute)
        self._invites = RateLimiter(self.settings.invitations_per_minute)

    # -- checks ------------------------------------------------------------------------------
    def origin_ok(self, origin: str | None, own: str) -> bool:
        """No Origin (not a browser) or calldesk's own (the widget's frame) or an allowed site."""
        if not origin:
            return True
        return origin.rstrip("/") in (own.rstrip("/"), *self.settings.allowed_origins)

    def visitor(self, token: str | None) -> str:
        try:
            return self.tokens.verify(token or "", self.clock())
        except BadToken as exc:
            raise ChatRefused(401, "unauthorized", str(exc)) from None

    # -- operations --------------------------------------------------------------------------
    def start(self, client: str, token: str | None = None) -> dict[str, Any]:
        """A visitor token: the same visitor again for a valid token (reload, reconnect)."""
        now = self.clock()
        if token:
            try:
                visitor = self.tokens.verify(token, now)
                return {"token": self.tokens.issue(now, visitor)[0], "visitor": visitor}
            except BadToken:
                pass  # a stale token starts afresh
        if not self._starts.allow(client, now):
            log.warning("chat: new visitors from %s rate-limited", client)
            raise ChatRefused(429, "rate_limited", "too many new conversations from this address")
        fresh, visitor = self.tokens.issue(now)
        return {"token": fresh, "visitor": visitor}

    def post(
        self, visitor: str, text: object, client_id: object = "", name: object = "",
        email: object = "",
    ) -> Message:  # fmt: skip
        """Store the visitor's message (then it is acknowledged). A repeated client id returns
        the stored message: a message sent while offline and re-sent arrives once. The first
        message of a conversation carries what `prechat` asks (name, email)."""
        if not self._messages.allow(visitor, self.clock()):
            log.warning("chat: visitor %s rate-limited", visitor)
            raise ChatRefused(429, "rate_limited", "too many messages; wait a moment")
        _check_client_id(client_id)
        try:
            clean = clean_text(text, self.settings.max_message_chars)
        except BadText as exc:
            raise ChatRefused(400, "invalid", str(exc), "text") from None
        name, data = self._profile(visitor, name, email)
        _, msg = self.desk.receive(
            "chat",
            visitor,
            clean,
            name=name,
            external_id=f"c:{client_id}" if client_id else "",
            data=data,
        )
        return msg

    def _profile(self, visitor: str, name: object, email: object) -> tuple[str, dict | None]:
        """(customer name, data for a new conversation) from what the visitor gave."""
        prechat = self.settings.prechat
        if not prechat.asks:
            return (name if isinstance(name, str) else "")[:80], None
        last = self.desk.messages.latest("chat", visitor)
        if last is not None and last.open:
            return "", None  # only a new conversation takes them
        try:
            clean_name, clean_email = prechat.check(name, email)
        except BadProfile as exc:
            raise ChatRefused(400, "invalid", str(exc), exc.field) from None
        return clean_name, ({"email": clean_email} if clean_email else None)

    def view(self, msg: Message) -> dict[str, Any]:
        return _visitor_view(msg)

    def attach(
        self, visitor: str, name: str, declared: str, data: bytes, client_id: object = ""
    ) -> Message:
        """Store one uploaded file (size and type checked by content) as a message of the
        visitor's conversation. Only the agent holding the conversation can fetch it. A
        repeated client id returns the stored message (a retried upload arrives once)."""
        if self.attachments is None:
            raise ChatRefused(404, "not_found", "attachments are not enabled here")
        now = self.clock()
        if not self._uploads.allow(visitor, now) or not self._messages.allow(visitor, now):
            log.warning("chat: uploads from visitor %s rate-limited", visitor)
            raise ChatRefused(429, "rate_limited", "too many files; wait a moment")
        _check_client_id(client_id)
        conv = self.desk.messages.latest("chat", visitor)
        if conv is None or not conv.open:
            raise ChatRefused(409, "conflict", "start the conversation with a message first")
        if client_id:
            dup = self.desk.messages.by_external(conv.id, f"c:{client_id}")
            if dup is not None:
                return dup
        try:
            kept = self.attachments.keep(name or "file", declared, data)
        except Refused as exc:
            status = 413 if len(data) > self.attachments.max_bytes else 415
            log.warning("chat: upload from %s refused: %s", visitor, exc)
            raise ChatRefused(status, "refused", str(exc), "file") from None
        _, msg = self.desk.receive(
            "chat",
            visitor,
            "",
            attachments=[kept],
            external_id=f"c:{client_id}" if client_id else "",
        )
        return msg

    def invitation(self, client: str, url: object, seconds: object) -> dict[str, Any]:
        """Whether to invite a visitor `seconds` on the page `url` to chat: yes and the text,
        or no and when asking again may change that. Nothing else leaves (no agents, no wait)."""
        if not self._invites.allow(client, self.clock()):
            raise ChatRefused(429, "rate_limited", "too many invitation checks")
        if not isinstance(url, str) or not url or len(url) > 2000:
            raise ChatRefused(400, "invalid", "url must be the page's URL", "url")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ChatRefused(400, "invalid", "seconds must be a number >= 0", "seconds")
        rules = self.settings.invitations
        if self.outlook is None or not rules:
            return {"invite": False, "again_s": None}
        decision = decide(rules, url, float(seconds), self.outlook)
        if decision.invite:
            log.info("chat: invitation %s for %s", decision.rule, client)
        return decision.public()

    def limits(self) -> dict[str, Any]:
        """What the widget needs to know before an upload (public: configuration only)."""
        a = self.attachments
        return {
            "attachments": None
            if a is None
            else {"max_bytes": a.max_bytes, "types": sorted(a.allowed)},
            "max_message_chars": self.settings.max_message_chars,
            "prechat": self.settings.prechat.public(),
        }

    def history(self, visitor: str, after: int = 0, seen: str | None = None) -> dict[str, Any]:
        """The visitor's own conversation, after a sequence. `seen` names the conversation the
        client's sequence belongs to: for a newer conversation everything is sent."""
        conv = self.desk.messages.latest("chat", visitor)
        if conv is None:
            return {"interaction": None, "state": None, "messages": []}
        if seen and seen != conv.id:
            after = 0
        msgs = [
            _visitor_view(m) for m in self.desk.messages.transcript(conv.id, with_history=False)
        ]
        return {
            "interaction": conv.id,
            "state": conv.state,
            "messages": [m for m in msgs if m["seq"] > after],
        }

    def receipt(self, visitor: str, message_id: object, status: object) -> bool:
        """The widget saw (delivered) or showed (read) one of the messages sent to its visitor."""
        if status not in ("delivered", "read") or not isinstance(message_id, str):
            raise ChatRefused(400, "invalid", "status is delivered or read", "status")
        msg = self.desk.messages.find_external(message_id)
        conv = self.desk.messages.get(msg.interaction) if msg else None
        if msg is None or conv is None or conv.address != visitor or msg.direction != "out":
            raise ChatRefused(404, "not_found", "no such message in your conversation", "id")
        return self.desk.receipt(message_id, str(status))

    def typing(self, visitor: str) -> None:
        conv = self.desk.messages.latest("chat", visitor)
        if conv is not None and conv.open:
            self.hub.visitor_typing(visitor, conv.id)

    def on_journal(self, entry: Any) -> None:
        """A notifier subscriber: receipts and the conversation's state reach the widget."""
        if entry.kind not in ("message.status", "interaction.answered", "interaction.closed"):
            return
        conv = self.desk.messages.get(entry.subject)
        if conv is None or conv.medium != "chat":
            return
        if entry.kind == "message.status":
            frame = {
                "type": "receipt",
                "id": entry.data.get("message"),
                "status": entry.data.get("status"),
            }
        else:
            frame = {
                "type": "state",
                "state": "connected" if entry.kind.endswith("answered") else "closed",
            }
        self.hub.push(conv.address, frame)


def _visitor_view(msg: Message) -> dict[str, Any]:
    """A message as its visitor sees it; their own carry the widget's client id back, so a
    message stored while its acknowledgement was lost is recognised, not shown twice."""
    view = msg.view()
    if msg.direction == "in" and msg.external_id.startswith("c:"):
        view["client_id"] = msg.external_id[2:]
    return view


def _check_client_id(client_id: object) -> None:
    if not isinstance(client_id, str) or len(client_id) > 64:
        raise ChatRefused(400, "invalid", "client_id must be a string of at most 64", "client_id")


__all__ = ["ChatGateway", "ChatRefused", "ChatSettings"]

"""The email medium: inbound mail into the desk (threaded by Message-ID, In-Reply-To and
References; auto-replies, bounces and floods never create an interaction), and replies out by
SMTP with the headers that keep the customer's answer in the same interaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from calldesk.digital.attachments import AttachmentStore, Refused
from calldesk.digital.chat.limits import RateLimiter
from calldesk.digital.desk import DigitalDesk
from calldesk.digital.email.parse import parse
from calldesk.digital.email.smtp import SmtpSender
from calldesk.digital.model import Attachment, Conversation, Message

log = logging.getLogger("calldesk.digital.email")


@dataclass(frozen=True)
class EmailSettings:
    address: str  # the mailbox customers write to (and our From)
    name: str = "Support"
    flow: str | None = None  # the flow for this mailbox (default: digital.flows.email)
    per_sender_per_minute: int = 10  # more from one sender is a mail bomb: refused, logged


class EmailGateway:
    def __init__(
        self,
        desk: DigitalDesk,
        smtp: SmtpSender,
        settings: EmailSettings,
        attachments: AttachmentStore,
        clock: Callable[[], float],
    ) -> None:
        self.desk, self.smtp, self.settings = desk, smtp, settings
        self.attachments, self.clock = attachments, clock
        self._flood = RateLimiter(settings.per_sender_per_minute)

    def inbound(self, raw: bytes) -> str:
        """One message from the mailbox. Returns the interaction id, or why it made none."""
        mail = parse(raw)
        now = self.clock()
        if mail.automatic:
            self.desk.journal.append(
                "email.ignored",
                mail.message_id or "?",
                {"from": mail.sender, "why": mail.automatic},
                now,
            )
            return f"ignored: {mail.automatic}"
        if not mail.sender or mail.sender == self.settings.address.lower():
            return "ignored: from ourselves"
        if mail.message_id and self.desk.messages.find_external(mail.message_id):
            return "duplicate"
        if not self._flood.allow(mail.sender, now):
            log.warning("email: %s sends too fast; %s refused", mail.sender, mail.message_id)
            self.desk.journal.append(
                "email.refused", mail.message_id or "?", {"from": mail.sender, "why": "rate"}, now
            )
            return "refused: rate"
        join = None
        for ref in mail.thread_ids:
            known = self.desk.messages.find_external(ref)
            if known is not None:
                join = known.interaction
                break
        kept: list[Attachment] = []
        notes = []
        for part in mail.attachments:
            try:
                kept.append(self.attachments.keep(part.name, part.content_type, part.data))
            except Refused as exc:
                notes.append(str(exc))
        text = mail.text or mail.subject or "(no text)"
        conv, _ = self.desk.receive(
            "email",
            mail.sender,
            text,
            name=mail.sender_name,
            attachments=kept,
            external_id=mail.message_id,
            flow=self.settings.flow,
            join=join or "",
            html=mail.html,
            data={
                "subject": mail.subject,
                "quoted": bool(mail.quoted),
                "refused_attachments": notes,
            },
        )
        return conv.id

    # -- the desk's Transport for `email` -----------------------------------------------------
    def send(self, conv: Conversation, msg: Message) -> str:
        history = self.desk.messages.transcript(conv.id)
        ids = [m.external_id for m in history if m.external_id.startswith("<")]
        last_in = next(
            (m.external_id for m in reversed(history) if m.direction == "in" and m.external_id), ""
        )
        subject = str(conv.data.get("subject") or "Your message")
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        message_id = self.smtp.new_id()
        mail = self.smtp.build(
            self.settings.address,
            self.settings.name,
            conv.address,
            subject,
            msg.text,
            message_id,
            last_in,
            ids[-20:],
        )
        self.smtp.send(mail)
        return message_id

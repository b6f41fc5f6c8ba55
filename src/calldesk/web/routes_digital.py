"""The agents' digital API (chat, SMS, email): transcript, replies, typing, read marks, close,
canned responses and attachments (`calldesk.service.digital`). Scope: an agent on the
conversations it holds, supervisors on their teams', admins on all; only the holding agent
writes to the customer. Push: `message.received`, `message.sent`, `message.status` (journaled,
subject = interaction) and `typing` (not journaled) on the interaction and agent topics."""

from __future__ import annotations

from flask import Response, send_file

from calldesk.auth import User
from calldesk.web.api import Api
from calldesk.web.models_digital import (
    CannedOut,
    CannedQuery,
    ClosedOut,
    MessageBody,
    MessageOut,
    MessagesQuery,
    ReadBody,
    ReadOut,
    RenderBody,
    RenderedOut,
    TypingBody,
    TypingOut,
)


def register(api: Api) -> None:
    s = api.web.services

    @api.route(
        "GET",
        "/api/interactions/{id}/messages",
        query=MessagesQuery,
        response=list[MessageOut],
        statuses=(404, 409),
    )
    def digital_messages(user: User, id: str, query: MessagesQuery) -> list:
        """The transcript (with the conversations it continues), or what came after a seq."""
        return s.digital.messages(user, id, query.since_seq)

    @api.route(
        "POST",
        "/api/interactions/{id}/messages",
        body=MessageBody,
        response=MessageOut,
        statuses=(404, 409),
    )
    def digital_send(user: User, id: str, body: MessageBody) -> dict:
        """Reply to the customer (text, or a canned response rendered for this interaction)."""
        return s.digital.send(user, id, body.text, body.canned)

    @api.route(
        "POST",
        "/api/interactions/{id}/typing",
        body=TypingBody,
        response=TypingOut,
        statuses=(404, 409),
    )
    def digital_typing(user: User, id: str, body: TypingBody) -> dict:
        """The agent is typing (shown in the chat widget; pushed as `typing`)."""
        return s.digital.typing(user, id, body.on)

    @api.route(
        "POST",
        "/api/interactions/{id}/read",
        body=ReadBody,
        response=ReadOut,
        statuses=(404, 409),
    )
    def digital_read(user: User, id: str, body: ReadBody) -> dict:
        """The agent read the customer's messages up to a seq (read receipts)."""
        return s.digital.read(user, id, body.upto_seq)

    @api.route("POST", "/api/interactions/{id}/close", response=ClosedOut, statuses=(404, 409))
    def digital_close(user: User, id: str) -> dict:
        """End the conversation: the agent wraps up; the survey follows where configured."""
        return s.digital.close(user, id)

    @api.route("GET", "/api/canned", query=CannedQuery, response=list[CannedOut], statuses=(409,))
    def canned(user: User, query: CannedQuery) -> list:
        """Canned responses for a queue and language, whose title or text has every word."""
        return s.digital.canned(user, query.queue, query.lang, query.q)

    @api.route(
        "POST",
        "/api/canned/{id}/render",
        body=RenderBody,
        response=RenderedOut,
        statuses=(404, 409),
    )
    def canned_render(user: User, id: str, body: RenderBody) -> dict:
        """A canned response rendered for an interaction (sandboxed jinja2)."""
        return s.digital.render(user, id, body.interaction)

    @api.route(
        "GET",
        "/api/attachments/{id}",
        response=None,
        content="application/octet-stream",
        statuses=(404, 409),
    )
    def attachment(user: User, id: str) -> Response:
        """A customer's attachment: to those who may see its interaction (never public)."""
        path, kind, name = s.digital.attachment(user, id)
        resp = send_file(path, mimetype=kind, as_attachment=True, download_name=name)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Content-Security-Policy"] = "sandbox"
        resp.headers["Cache-Control"] = "private, no-store"
        return resp

"""Request and response models of the agents' digital API (chat, SMS, email)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from calldesk.web.models import Body, Id, Out


class MessageBody(Body):
    text: str = Field(default="", max_length=4000)
    canned: str | None = Field(default=None, min_length=1, max_length=128)


class TypingBody(Body):
    on: bool = True


class ReadBody(Body):
    upto_seq: int = Field(ge=0)


class RenderBody(Body):
    interaction: str = Id


class MessagesQuery(Body):
    since_seq: int = Field(default=0, ge=0)


class CannedQuery(Body):
    queue: str = Field(default="", max_length=128)
    lang: str = Field(default="", max_length=16)
    q: str = Field(default="", max_length=200)


class AttachmentOut(BaseModel):
    id: str
    name: str
    type: str
    size: int
    url: str


class MessageOut(Out):
    id: str
    seq: int
    direction: Literal["in", "out"]
    author: str
    text: str
    html: str | None = None
    attachments: list[AttachmentOut]
    at: float
    status: str


class DigitalCustomer(Out):
    address: str
    name: str


class DigitalAccepted(Out):
    """The accept of a chat, SMS or email offer: the hand-off with the whole transcript."""

    offer: str
    interaction: str
    accepted: bool
    medium: str
    transcript: list[MessageOut]
    data: dict[str, Any]
    customer: DigitalCustomer


class TypingOut(BaseModel):
    interaction: str
    on: bool


class ReadOut(BaseModel):
    interaction: str
    changed: int


class ClosedOut(BaseModel):
    interaction: str
    state: str


class CannedOut(BaseModel):
    id: str
    title: str
    text: str
    queue: str
    lang: str


class RenderedOut(BaseModel):
    text: str

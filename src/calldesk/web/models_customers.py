"""Pydantic models of the customer and report routes (in the OpenAPI document like the rest)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from calldesk.web.models import Body, Id, Out


class CustomersQuery(Body):
    q: str = Field(default="", max_length=200, description="id, identity, prefix or name")
    limit: int = Field(default=20, ge=1, le=100)


class CustomerQuery(Body):
    limit: int = Field(default=50, ge=1, le=500, description="timeline entries, newest first")


class IdentityOut(BaseModel):
    kind: str
    value: str
    verified: bool
    source: str | None = None
    added_at: float | None = None


class CustomerOut(Out):
    id: str
    name: str | None = None
    fields: dict[str, Any] = {}
    identities: list[IdentityOut] = []
    merged_into: str | None = None
    erased_at: float | None = None


class ContactOut(Out):
    """One interaction of the timeline: flow path, data, queue, wait, agent, outcome…"""

    interaction: str
    medium: str | None = None
    start: float | None = None
    end: float | None = None
    queue: str | None = None
    agent: str | None = None
    outcome: str
    disposition: str | None = None


class JourneyOut(Out):
    intent: Any = None
    contacts: int
    media: list[str]
    interactions: list[str]
    resolved: bool
    fcr: bool
    duration_s: float


class MergeOut(Out):
    id: int
    survivor: str
    absorbed: str
    undone_at: float | None = None


class CustomerDetail(CustomerOut):
    merges: list[MergeOut]
    timeline: list[ContactOut]
    journeys: list[JourneyOut]


class IdentityIn(Body):
    kind: str = Field(min_length=1, max_length=32, description="phone, email, chat, account…")
    value: str = Field(min_length=1, max_length=200)
    verified: bool = False


class CustomerBody(Body):
    """A CRM record: created, or updated when its id (or an identity) names a customer."""

    id: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@+\-]+$"
    )
    name: str | None = Field(default=None, max_length=200)
    fields: dict[str, Any] = {}
    identities: list[IdentityIn] = Field(default=[], max_length=50)


class UpsertResult(Out):
    id: str
    created: bool


class MergeBody(Body):
    absorbed: str = Id


class MergeResult(Out):
    merge: int
    survivor: str
    absorbed: str


class UnmergeResult(Out):
    merge: int


class ReportQuery(Body):
    from_: float | None = Field(default=None, alias="from", description="epoch s; default to-24h")
    to: float | None = Field(default=None, description="epoch seconds; default now")
    step: float = Field(default=3600.0, ge=300, le=86400)
    by: str = Field(default="medium", max_length=40, pattern=r"^[a-z,]*$")


class ReportRow(Out):
    start: float
    offered: int
    answered: int
    abandoned: int
    service_level: float | None = None
    asa_s: float | None = None
    aht_s: float | None = None
    fcr: float | None = None


class ReportOut(BaseModel):
    from_: float = Field(alias="from")
    to: float
    step: float
    by: list[str]
    rows: list[ReportRow]
    took_ms: float

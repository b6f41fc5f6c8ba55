"""Pydantic models of every request and response body. The OpenAPI document is generated from
these same classes (`calldesk.web.openapi`), and requests are validated by them: an unknown
field, a wrong type or a value out of range is a 400 naming the field."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Id = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@+\-]+$")
Text = Field(default="", max_length=2000)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- requests -------------------------------------------------------------------------------
class LoginBody(Body):
    user: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class AgentLoginBody(Body):
    ready: bool = False


class StateBody(Body):
    state: Literal["ready", "not_ready"]
    reason: str | None = Field(default=None, max_length=64)


class WrapupBody(Body):
    disposition: str = Field(min_length=1, max_length=64)
    notes: str = Text
    # the wrap-up to end (an agent may wrap up several digital interactions at once); without
    # it, every wrap-up the agent has ends
    interaction: str | None = Field(default=None, min_length=1, max_length=128)


class MoveBody(Body):
    queue: str = Id


class PriorityBody(Body):
    priority: int = Field(ge=-1000, le=1000)


class PullBody(Body):
    agent: str = Id


class SuperviseBody(Body):
    agent: str = Id
    mode: Literal["listen", "monitor", "whisper", "barge"] = "listen"


class ModeBody(Body):
    mode: Literal["listen", "monitor", "whisper", "barge", "takeover"]


class ForceBody(Body):
    state: Literal["ready", "not_ready"]
    reason: str | None = Field(default=None, max_length=64)


class MuteBody(Body):
    on: bool = True


class DtmfBody(Body):
    digits: str = Field(min_length=1, max_length=32, pattern=r"^[0-9*#A-Da-d]+$")


class Target(Body):
    kind: Literal["queue", "agent", "number"]
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:@+\-]+$")


class TargetBody(Body):
    target: Target


# --- queries --------------------------------------------------------------------------------
class InteractionsQuery(Body):
    state: str | None = Field(default=None, max_length=32)
    queue: str | None = Field(default=None, max_length=128)


class HistoryQuery(Body):
    minutes: int = Field(default=60, ge=1, le=1440)
    step: int = Field(default=300, ge=60, le=3600)


class TargetsQuery(Body):
    q: str = Field(default="", max_length=64)


class RecordingsQuery(Body):
    interaction: str | None = Field(default=None, max_length=128)
    agent: str | None = Field(default=None, max_length=128)
    queue: str | None = Field(default=None, max_length=128)
    limit: int = Field(default=100, ge=1, le=1000)


class PopsQuery(Body):
    limit: int = Field(default=10, ge=1, le=100)


class EventsQuery(Body):
    topics: str = Field(default="", max_length=2000)
    since: int | None = Field(default=None, ge=0)


# --- responses ------------------------------------------------------------------------------
class Error(BaseModel):
    error: str
    detail: str
    field: str | None = None


class UserOut(BaseModel):
    id: str
    role: Literal["agent", "supervisor", "admin"]
    name: str
    agent: str | None
    teams: list[str]


class MeOut(UserOut):
    csrf_token: str | None = Field(
        description="the session's CSRF token (a new tab needs it for its changes); "
        "null for a bearer token"
    )


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str


class Ok(BaseModel):
    ok: bool = True


class WrapupOut(BaseModel):
    interaction: str
    medium: str
    queue: str
    until: float = Field(description="when this wrap-up ends by itself (epoch seconds)")


class AgentOut(Out):
    id: str
    name: str
    state: str
    reason: str | None
    since: float
    time_in_state_s: float
    queues: list[str]
    teams: list[str]
    interactions: list[str]
    wrapup_until: float | None = Field(
        default=None, description="in wrap-up: when it ends by itself (epoch seconds)"
    )
    wrapups: list[WrapupOut] = Field(
        default_factory=list,
        description="the wrap-ups still to do, one per interaction (also while busy with "
        "another), the one that ends first first; Done on one: POST .../wrapup {interaction}",
    )


class Customer(BaseModel):
    name: str
    number: str


class OfferOut(Out):
    id: str
    interaction: str
    medium: str
    queue: str
    customer: Customer
    data: dict[str, Any]
    lease_until: float


class OfferResult(Out):
    offer: str
    interaction: str
    accepted: bool


class DayOut(BaseModel):
    handled: int
    aht_s: float | None
    time_in_state_s: dict[str, float]


class CodesOut(BaseModel):
    not_ready_reasons: list[str]
    dispositions: list[str]


class TargetAgent(BaseModel):
    id: str
    name: str
    state: str


class TargetsOut(BaseModel):
    queues: list[str]
    agents: list[TargetAgent]
    numbers: list[str]


class AgentsByState(BaseModel):
    ready: int
    busy: int
    wrap_up: int
    not_ready: int


class QueueOut(Out):
    name: str
    waiting: int
    longest_wait_s: float
    service_level: float | None
    service_level_30m: float | None
    sl_target: float
    asa_s: float | None
    abandon_rate: float | None
    agents: AgentsByState
    paused: bool


class HistoryRow(BaseModel):
    start: float
    offered: int
    answered: int
    abandoned: int
    service_level: float | None


class InteractionOut(Out):
    id: str
    queue: str
    medium: str
    customer: str
    state: str
    agent: str | None
    arrived_at: float


class TrailEntry(BaseModel):
    seq: int
    at: float
    kind: str
    data: dict[str, Any]


class InteractionDetail(InteractionOut):
    trail: list[TrailEntry]
    why: list[dict[str, Any]]


class ActionOut(Out):
    subject: str
    action: str


class SessionOut(Out):
    id: str
    supervisor: str
    agent: str
    mode: str
    status: str


class RecordingOut(Out):
    id: str
    interaction: str
    status: str
    started_at: float
    legal_hold: bool


class FlowOut(BaseModel):
    name: str
    version: str
    description: str
    steps: int
    numbers: list[str]


class FlowProblem(BaseModel):
    line: int
    col: int
    code: str
    message: str


class ValidateOut(BaseModel):
    valid: bool
    name: str | None
    errors: list[FlowProblem]


class CallOut(Out):
    interaction: str


# --- outbound (calldesk.dialer) ---------------------------------------------------------------
class CampaignOut(Out):
    name: str
    mode: str
    paused: bool
    live: int
    pending: int
    closed: int
    abandon_cap: float
    drops: int
    answers: int


class PreviewContact(Out):
    name: str
    number: str
    timezone: str
    fields: dict[str, Any]


class PreviewOut(Out):
    id: str
    campaign: str
    agent: str
    contact: PreviewContact
    local_time: str
    attempt: int
    offered_at: float
    timeout_at: float | None


class SkipBody(Body):
    reason: str = Field(min_length=1, max_length=64)


class PreviewDialOut(Out):
    preview: str
    interaction: str
    number: str


class PreviewSkipOut(Out):
    preview: str
    skipped: bool
    reason: str


class CallbackBody(Body):
    number: str = Field(min_length=4, max_length=20, pattern=r"^\+[1-9][0-9]{3,18}$")
    at: float | None = Field(
        default=None,
        ge=0,
        description="when to call (epoch seconds); none: after the campaign's "
        "retry.callback_requested delay. The callee's calling window still applies.",
    )
    agent: str = Field(default="", max_length=128, pattern=r"^[A-Za-z0-9_.:@+\-]*$")


class CallbackOut(Out):
    campaign: str
    number: str
    at: float
    agent: str
    by: str

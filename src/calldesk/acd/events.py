"""Inputs to the ACD core. Each is a plain value; the time comes with `Acd.handle(event, now)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InteractionArrived:
    """An interaction enters a queue. `sticky_agent` (or `sticky_last`) asks for one agent for `sticky_s`."""

    interaction: str
    queue: str
    medium: str = "voice"
    customer: str = ""
    priority: int | None = None
    skills: dict[str, int] = field(default_factory=dict)
    sticky_agent: str | None = None
    sticky_last: bool = False
    sticky_s: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)
    # what is known of the customer, for the queue's context rules (calldesk.acd.context):
    # {"customer": id, "fields": {...}, "last_agent": agent id, "language": code}
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InteractionEnded:
    """The customer side is gone: abandoned if waiting or offered, ended if connected."""

    interaction: str
    cause: str = "hangup"


@dataclass(frozen=True)
class Breakout:
    """The customer pressed a breakout key while waiting."""

    interaction: str
    key: str


@dataclass(frozen=True)
class CallbackRequested:
    """The customer leaves a number and keeps their place in line."""

    interaction: str
    number: str


@dataclass(frozen=True)
class CallbackConnected:
    interaction: str


@dataclass(frozen=True)
class CallbackFailed:
    interaction: str
    cause: str = "no_answer"


@dataclass(frozen=True)
class AgentLogin:
    agent: str
    ready: bool = False


@dataclass(frozen=True)
class AgentLogout:
    agent: str


@dataclass(frozen=True)
class AgentReady:
    agent: str


@dataclass(frozen=True)
class AgentNotReady:
    agent: str
    reason: str = "break"


@dataclass(frozen=True)
class OfferAccepted:
    offer: str


@dataclass(frozen=True)
class OfferRefused:
    """The agent did not take the offer. cause: reject, no_answer, busy or timeout."""

    offer: str
    cause: str = "reject"


@dataclass(frozen=True)
class OfferLost:
    """The offer's agent leg was lost without the agent refusing (switch lost, controller
    restarted before the leg existed): withdrawn without penalty, the interaction back at the head."""

    offer: str
    reason: str = "lost"


@dataclass(frozen=True)
class DirectCallStarted:
    """An off-queue call (direct or outbound) makes the agent busy for voice."""

    agent: str
    call: str


@dataclass(frozen=True)
class AgentCallEnded:
    """An off-queue call of the agent ended."""

    agent: str
    call: str


@dataclass(frozen=True)
class WrapUpDone:
    agent: str
    interaction: str | None = None


@dataclass(frozen=True)
class Tick:
    """Time passed: leases, wrap-ups, overflow steps, announcements and retries fall due."""


@dataclass(frozen=True)
class QueuePaused:
    """Stop offering this queue's interactions; they keep waiting and keep their places."""

    queue: str


@dataclass(frozen=True)
class QueueResumed:
    queue: str


@dataclass(frozen=True)
class InteractionMoved:
    """A supervisor moves a waiting interaction to another queue. It keeps its arrival time, so
    it takes its place by age there; that queue's rules (skills, overflow, max wait) apply."""

    interaction: str
    queue: str


@dataclass(frozen=True)
class PriorityChanged:
    """A supervisor sets a waiting interaction's base priority (aging still adds to it)."""

    interaction: str
    priority: int


@dataclass(frozen=True)
class InteractionPulled:
    """A supervisor pins a waiting interaction to one agent: that agent gets it next, before
    its queues' work and whatever its queues or skills (see `supervisor.py`)."""

    interaction: str
    agent: str


@dataclass(frozen=True)
class AgentReleased:
    """Takeover: the agent leaves a connected interaction and wraps up; the interaction stays
    connected (to a supervisor) until the customer side ends."""

    agent: str
    interaction: str


@dataclass(frozen=True)
class ConnectFailed:
    """The agent answered but the media never joined (the switch confirmed no bridge): the
    customer goes back to the head of the queue, the agent is freed without a wrap-up. A cause
    in `LINK_CAUSES` is the controller's link to the switch failing (the bridge got no reply),
    not the agent's phone: the agent gets no cool-down."""

    interaction: str
    cause: str


# ConnectFailed causes that say nothing about the agent's phone.
BRIDGE_NO_REPLY = "no reply from the switch to the bridge"
LINK_CAUSES = frozenset({BRIDGE_NO_REPLY})


@dataclass(frozen=True)
class InteractionRequeued:
    """A connected interaction goes back to waiting in `queue` (a blind transfer to a queue):
    the same interaction, its customer still there; the agent's part ends with a wrap-up."""

    interaction: str
    queue: str


Event = (
    InteractionArrived
    | InteractionEnded
    | Breakout
    | CallbackRequested
    | CallbackConnected
    | CallbackFailed
    | AgentLogin
    | AgentLogout
    | AgentReady
    | AgentNotReady
    | OfferAccepted
    | OfferRefused
    | OfferLost
    | DirectCallStarted
    | AgentCallEnded
    | WrapUpDone
    | Tick
    | QueuePaused
    | QueueResumed
    | InteractionMoved
    | PriorityChanged
    | InteractionPulled
    | AgentReleased
    | ConnectFailed
    | InteractionRequeued
)

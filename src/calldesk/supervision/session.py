"""A supervision session's record: who supervises whom, in which mode, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field

from calldesk.errors import CalldeskError

RINGING, ACTIVE, ENDED = "ringing", "active", "ended"


class SupervisionError(CalldeskError):
    """A supervision request that cannot be carried out (the reason says why)."""


@dataclass
class Session:
    id: str
    supervisor: str
    agent: str
    interaction: str
    target_leg: str  # the customer leg eavesdrop runs on
    agent_leg: str
    switch: str
    mode: str
    status: str = RINGING
    supervisor_leg: str | None = None
    started_at: float = 0.0
    ended_at: float | None = None
    end_reason: str = ""
    pending: tuple[str, str] | None = field(default=None, repr=False)  # (mode, by) sent as a digit

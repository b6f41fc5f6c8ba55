"""What the pacing core hears (events) and what it says (decisions). Plain data, no IO."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# How an attempt's ring phase ended, as the dialer sees it. "answer" needs an agent (a live
# person, or a machine AMD did not catch); "machine" was caught by AMD and needs none.
OUTCOMES = ("answer", "machine", "busy", "no_answer", "failed")
AGENT_STATES = ("free", "talk", "wrap", "away")


@dataclass(frozen=True)
class AgentChanged:
    """An agent working the campaign changed state (`away` = logged out or not ready)."""

    agent: str
    state: str


@dataclass(frozen=True)
class AttemptPlaced:
    attempt: str


@dataclass(frozen=True)
class AttemptResolved:
    """The ring phase ended `after_s` seconds after the attempt was placed."""

    attempt: str
    outcome: str
    after_s: float


@dataclass(frozen=True)
class AnswerConnected:
    """An answered attempt reached an agent `wait_s` after the answer."""

    attempt: str
    wait_s: float


@dataclass(frozen=True)
class AnswerAbandoned:
    """An answer that found no agent within the grace period (or an AMD false positive)."""

    attempt: str
    wait_s: float


@dataclass(frozen=True)
class AnswerWithdrawn:
    """An answer left the wait for an agent without being dropped: AMD found a machine, or the
    callee hung up before the grace ended. Neither reached nor abandoned."""

    attempt: str


@dataclass(frozen=True)
class InboundLoad:
    """What blended inbound traffic leaves: its callers waiting, their longest wait, its rate."""

    waiting: int = 0
    longest_wait_s: float = 0.0
    sl_target_s: float = 20.0
    calls_per_s: float = 0.0


Event = (
    AgentChanged
    | AttemptPlaced
    | AttemptResolved
    | AnswerConnected
    | AnswerAbandoned
    | AnswerWithdrawn
)


@dataclass(frozen=True)
class PacingDecision:
    """Place `place` new attempts now. `inputs` is what the decision was made from (journaled)."""

    at: float
    mode: str
    place: int
    inputs: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {"at": self.at, "mode": self.mode, "place": self.place, **self.inputs}

"""Outbound: campaigns, lists, do-not-call, pacing and the compliance ledger.

The pacing core (`pacing`, `predict`, `stats`, `control`) is pure: events and `now` in,
decisions out. Adapters place the attempts and journal each decision with its inputs.
"""

from calldesk.dialer.events import (
    AgentChanged,
    AnswerAbandoned,
    AnswerConnected,
    AnswerWithdrawn,
    AttemptPlaced,
    AttemptResolved,
    InboundLoad,
    PacingDecision,
)
from calldesk.dialer.pacing import MODES, Pacer, PacingConfig

__all__ = [
    "MODES",
    "AgentChanged",
    "AnswerAbandoned",
    "AnswerConnected",
    "AnswerWithdrawn",
    "AttemptPlaced",
    "AttemptResolved",
    "InboundLoad",
    "Pacer",
    "PacingConfig",
    "PacingDecision",
]

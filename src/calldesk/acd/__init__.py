"""calldesk.acd: the pure ACD core. Events and the time in, decisions and journal records out."""

from calldesk.acd.agents import AgentConfig, AgentPolicy, AgentState
from calldesk.acd.capacity import CapacityRules
from calldesk.acd.core import Acd
from calldesk.acd.decisions import (
    Announce,
    Cancel,
    Decision,
    DialCallback,
    Ignored,
    JournalRecord,
    Offer,
    Overflow,
    Why,
)
from calldesk.acd.queues import OverflowRule, QueueConfig

__all__ = [
    "Acd",
    "AgentConfig",
    "AgentPolicy",
    "AgentState",
    "Announce",
    "Cancel",
    "CapacityRules",
    "Decision",
    "DialCallback",
    "Ignored",
    "JournalRecord",
    "Offer",
    "Overflow",
    "OverflowRule",
    "QueueConfig",
    "Why",
]

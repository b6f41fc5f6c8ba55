"""Calls placed from the desk: agents' and supervisors' own phones (the rendered
`calldesk_agents` context parks them with `calldesk_kind` = agent_call, outbound or supervisor).

`decide` (pure) says what each one becomes; `DeskCalls` carries that out over ESL."""

from calldesk.deskcalls.decide import (
    DeskCall,
    DialOut,
    Line,
    Refuse,
    RingAgent,
    Supervise,
    decide,
    read_call,
)
from calldesk.deskcalls.service import DeskCalls

__all__ = [
    "DeskCall",
    "DeskCalls",
    "DialOut",
    "Line",
    "Refuse",
    "RingAgent",
    "Supervise",
    "decide",
    "read_call",
]

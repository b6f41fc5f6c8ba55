"""Finding an agent's live call among the tracked legs.

The dispatcher originates agent legs with `calldesk_agent=<agent id>` and
`calldesk_interaction=<interaction id>`; the tracker keeps `calldesk_*` variables. The customer
leg is the agent leg's bridge peer.
"""

from __future__ import annotations

from dataclasses import dataclass

from calldesk.errors import CalldeskError
from calldesk.telephony.tracker import LegTracker


class NoLiveCall(CalldeskError):
    """The agent has no bridged call to supervise."""


@dataclass(frozen=True)
class CallRef:
    agent: str
    agent_leg: str
    customer_leg: str
    interaction: str
    switch: str


def find_agent_call(tracker: LegTracker, agent: str) -> CallRef:
    for leg in tracker.legs.values():
        if not leg.alive or leg.variables.get("calldesk_agent") != agent:
            continue
        if leg.variables.get("calldesk_role") == "supervisor":
            continue
        peer = tracker.legs.get(leg.bridged_to or "")
        if peer is None or not peer.alive:
            continue
        interaction = leg.variables.get("calldesk_interaction") or peer.variables.get(
            "calldesk_interaction", peer.uuid
        )
        return CallRef(agent, leg.uuid, peer.uuid, interaction, leg.switch)
    raise NoLiveCall(f"agent {agent} has no live bridged call")

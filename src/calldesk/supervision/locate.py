"""Finding an agent's live call among the tracked legs.

The dispatcher originates agent legs with `calldesk_agent=<agent id>` and
`calldesk_interaction=<interaction id>`; the tracker keeps `calldesk_*` variables. The customer
leg is the agent leg's bridge peer.
"""

from __future__ import annotations

from dataclasses import dataclass

from calldesk.errors import CalldeskError
from calldesk.esl.connection import SwitchConnection
from calldesk.telephony.switchboard import Switchboard
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


def find_agent_call_on_switch(board: Switchboard, agent: str) -> CallRef:
    """For a process that just connected (resync rows carry no variables and no bridge peer):
    ask the switch for `calldesk_agent` on every live leg and for its `bridge_to` peer."""
    for leg in list(board.tracker.legs.values()):
        if not leg.alive:
            continue
        conn = board.switches[leg.switch]

        def var(name: str, uuid: str = leg.uuid, conn: SwitchConnection = conn) -> str:
            value = conn.api("uuid_getvar", uuid, name, check=False).strip()
            return "" if value in ("_undef_", "") or value.startswith("-ERR") else value

        if var("calldesk_agent") != agent or var("calldesk_role") == "supervisor":
            continue
        peer = leg.bridged_to or var("bridge_to")
        if not peer or conn.api("uuid_exists", peer, check=False).strip() != "true":
            continue
        interaction = var("calldesk_interaction") or var("calldesk_interaction", peer) or peer
        return CallRef(agent, leg.uuid, peer, interaction, leg.switch)
    raise NoLiveCall(f"agent {agent} has no live bridged call")

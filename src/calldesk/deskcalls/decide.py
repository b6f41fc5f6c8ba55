"""What a call from an agent's or supervisor's phone becomes. Pure: variables and a view of
the agents in, one decision out.

- `agent_call` (an agent's extension): ring that agent's phone, unless the agent is busy with
  an interaction, an offer or another call (USER_BUSY). Internal calls ring logged-out agents
  too: a phone is a phone. A customer the IVR transferred to an extension rings it the same way.
- `outbound` (a number): dial it through the trunks; the outbound rules (allow-list, premium,
  international) decide at dial time.
- `supervisor` (feature code + agent extension or id): join that agent's live call in the
  code's mode. Only supervisors and admins (directory variable `calldesk_user`); an agent's
  phone is refused, whatever it dials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from calldesk.telephony.intake import DESK_KINDS

KINDS = DESK_KINDS
MODES = {"listen": "monitor", "monitor": "monitor", "whisper": "whisper", "barge": "barge"}


@dataclass(frozen=True)
class DeskCall:
    kind: str
    from_agent: str  # the calling phone's agent (directory variable calldesk_agent), or ""
    from_user: str  # the calling phone's supervisor/admin (calldesk_user), or ""
    target: str  # agent id, destination number, or the supervised agent's extension or id
    action: str = ""  # supervisor codes: listen, whisper, barge
    customer: bool = False  # a customer's leg (came in on a DID) the IVR transferred here


@dataclass(frozen=True)
class RingAgent:
    agent: str
    contact: str


@dataclass(frozen=True)
class DialOut:
    number: str
    caller: str  # who dials, for the journal


@dataclass(frozen=True)
class Supervise:
    user: str
    agent: str
    mode: str


@dataclass(frozen=True)
class Refuse:
    cause: str  # the hangup cause the phone sees
    why: str


Decision = RingAgent | DialOut | Supervise | Refuse


@dataclass(frozen=True)
class Line:
    """An agent's phone as a desk call sees it."""

    contact: str
    busy: bool  # holding an interaction, an offer or another call


def read_call(variables: Mapping[str, str]) -> DeskCall | None:
    """The desk call a parked leg's `calldesk_*` variables describe; None if not one."""
    kind = variables.get("calldesk_kind", "")
    if kind not in KINDS:
        return None
    target = {
        "agent_call": variables.get("calldesk_target_agent", ""),
        "outbound": variables.get("calldesk_destination", ""),
        "supervisor": variables.get("calldesk_supervisor_target", ""),
    }[kind]
    return DeskCall(
        kind,
        from_agent=_clean(variables.get("calldesk_agent") or variables.get("calldesk_from_agent")),
        from_user=_clean(
            variables.get("calldesk_user") or variables.get("calldesk_supervisor_user")
        ),
        target=target.strip(),
        action=variables.get("calldesk_supervisor_action", ""),
        customer=bool(_clean(variables.get("calldesk_did"))),
    )


def decide(call: DeskCall, agents: Mapping[str, Line],
           extensions: Mapping[str, str], roles: Mapping[str, str]) -> Decision:  # fmt: skip
    """`agents`: agent id -> phone line; `extensions`: phone user (e.g. 1002) -> agent id;
    `roles`: user id -> role."""
    if call.kind == "agent_call" and (call.customer or call.from_agent or call.from_user):
        return _agent_call(call, agents)
    if not call.from_agent and not call.from_user:
        return Refuse("CALL_REJECTED", "the calling phone is no calldesk agent or user")
    if call.kind == "outbound":
        if not call.target:
            return Refuse("INVALID_NUMBER_FORMAT", "no number dialled")
        return DialOut(call.target, call.from_agent or call.from_user)
    return _supervisor(call, agents, extensions, roles)


def _agent_call(call: DeskCall, agents: Mapping[str, Line]) -> Decision:
    agent, line = call.target, agents.get(call.target)
    if line is None:
        return Refuse("UNALLOCATED_NUMBER", f"no agent {agent!r}")
    if agent == call.from_agent:
        return Refuse("USER_BUSY", "an agent cannot call their own phone")
    if line.busy:
        return Refuse("USER_BUSY", f"agent {agent} is busy")
    if not line.contact:
        return Refuse("UNALLOCATED_NUMBER", f"agent {agent} has no phone contact")
    return RingAgent(agent, line.contact)


def _supervisor(call: DeskCall, agents: Mapping[str, Line],
                extensions: Mapping[str, str], roles: Mapping[str, str]) -> Decision:  # fmt: skip
    user = call.from_user
    if not user or roles.get(user) not in ("supervisor", "admin"):
        who = user or f"agent {call.from_agent}"
        return Refuse("CALL_REJECTED", f"{who} may not supervise: supervisors and admins only")
    mode = MODES.get(call.action)
    if mode is None:
        return Refuse("CALL_REJECTED", f"unknown supervisor action {call.action!r}")
    agent = extensions.get(call.target) or (call.target if call.target in agents else None)
    if agent is None:
        return Refuse("UNALLOCATED_NUMBER", f"no agent at {call.target!r}")
    return Supervise(user, agent, mode)


def _clean(value: str | None) -> str:
    """Unset channel variables expand to nothing, or stay as `${name}` in some set paths."""
    value = (value or "").strip()
    return "" if value.startswith("${") else value

"""The pure core of the voice operations: given an interaction's legs, what calldesk knows of its
call (held, muted, a consult leg, a conference) and one operation, which FreeSWITCH commands to
send, in order, and what the call looks like afterwards. No IO; `plan` raises `Refused`.

The commands are FreeSWITCH's own (mod_commands.c, mod_conference):
- hold / unhold: `uuid_hold [off] <agent>`: the agent's phone is re-INVITEd a=sendonly and the
  customer hears `hold_music` as a playback broadcast (hold-unhold trace).
- mute: `uuid_audio <agent> start read mute 1` / `stop` (a media bug on the agent's mic).
- dtmf: `uuid_send_dtmf <customer> <digits>`: digits sent out to the customer's far end.
- hangup: `uuid_kill <customer>`: the agent's leg follows (bridge-and-record order).
- blind transfer: to a queue, the customer is kept (`park_after_bridge`) when the agent's leg is
  killed, and re-enqueued under the same interaction id; to an agent or a number, a new leg is
  dialled first (`needs_leg`) and `uuid_bridge <customer> <new>` moves the customer, the agent's
  leg left behind is hung up by the switch (attended-transfer trace).
- consult: the new leg is bridged to the agent (`uuid_bridge <agent> <new>`); the customer, left
  behind with `park_after_bridge`, parks and hears hold music (`uuid_broadcast`).
- consult_complete: `uuid_bridge <customer> <consult>`; the agent's leg, now without
  `park_after_bridge`, ends by itself (no race with a kill). consult_cancel: `uuid_kill
  <consult>`; the agent's leg parks; `uuid_bridge <customer> <agent>`.
- conference: `uuid_transfer <agent> -both conference:<room>@default inline` (agent and consult
  leg) then the customer, as in the three-way trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from calldesk.errors import CalldeskError

OPERATIONS = (
    "hold",
    "unhold",
    "mute",
    "dtmf",
    "hangup",
    "transfer",
    "consult",
    "consult_complete",
    "consult_cancel",
    "conference",
)
TARGET_KINDS = ("queue", "agent", "number")
_DTMF = re.compile(r"^[0-9*#A-Da-d]{1,32}$")
_ID = re.compile(r"^[A-Za-z0-9_.@+\-]{1,64}$")
NEW_LEG = "<new>"  # placeholder in a plan's commands for the leg the adapter dials first


class Refused(CalldeskError):
    """The operation does not apply to the call as it is; `code` names why."""

    def __init__(self, code: str, reason: str) -> None:
        self.code, self.reason = code, reason
        super().__init__(reason)


@dataclass(frozen=True)
class Target:
    kind: str  # queue | agent | number
    id: str

    @classmethod
    def parse(cls, raw: Any) -> Target:
        """`{"kind": "queue"|"agent"|"number", "id": str}`; a clear `Refused` otherwise."""
        if isinstance(raw, Target):
            return raw
        if not isinstance(raw, dict) or set(raw) != {"kind", "id"}:
            raise Refused("bad_target", 'target: must be {"kind": ..., "id": ...}')
        kind, tid = raw["kind"], raw["id"]
        if kind not in TARGET_KINDS:
            raise Refused("bad_target", f"target.kind: must be one of {', '.join(TARGET_KINDS)}")
        if not isinstance(tid, str) or not _ID.match(tid):
            raise Refused("bad_target", "target.id: 1-64 letters, digits or _.@+-")
        return cls(kind, tid)

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id}


@dataclass(frozen=True)
class CallState:
    """What calldesk knows of one interaction's call beyond its two legs."""

    held: bool = False
    muted: bool = False
    consult: str | None = None  # the consult leg's uuid
    consult_target: Target | None = None
    conference: str | None = None


@dataclass(frozen=True)
class Cmd:
    api: str
    args: tuple[str, ...]

    def text(self, new_leg: str = "") -> str:
        return " ".join([self.api, *(new_leg if a == NEW_LEG else a for a in self.args)])


@dataclass(frozen=True)
class Plan:
    op: str
    commands: tuple[Cmd, ...]
    state: CallState
    needs_leg: Target | None = None  # dial this first (agent's contact / a number)
    release_agent: bool = False  # the agent leaves the interaction (wrap-up), it goes on
    requeue: str | None = None  # re-enqueue the interaction in this queue
    data: dict[str, Any] = field(default_factory=dict)


def _need(caller: str | None, agent: str | None) -> tuple[str, str]:
    if not caller:
        raise Refused("no_call", "the interaction has no customer leg")
    if not agent:
        raise Refused("no_agent_leg", "the interaction has no agent leg (not connected)")
    return caller, agent


def plan(
    op: str,
    caller: str | None,
    agent: str | None,
    state: CallState,
    *,
    on: bool | None = None,
    digits: str | None = None,
    target: Target | None = None,
    room: str = "",
    hold_music: str = "local_stream://moh",
) -> Plan:
    """The commands for `op` on the call (`caller`, `agent` leg uuids) in `state`."""
    if op not in OPERATIONS:
        raise Refused("bad_operation", f"unknown operation {op!r}")
    c, a = _need(caller, agent)
    busy = state.consult is not None or state.conference is not None
    if op == "hold":
        if state.held:
            raise Refused("already_held", "the call is already on hold")
        if busy:
            raise Refused("in_consult", "the customer is already waiting (consult/conference)")
        return Plan(op, (Cmd("uuid_hold", (a,)),), replace(state, held=True))
    if op == "unhold":
        if not state.held:
            raise Refused("not_held", "the call is not on hold")
        return Plan(op, (Cmd("uuid_hold", ("off", a)),), replace(state, held=False))
    if op == "mute":
        if on is None:
            raise Refused("bad_value", "on: must be true or false")
        cmd = Cmd("uuid_audio", (a, "start", "read", "mute", "1") if on else (a, "stop"))
        return Plan(op, (cmd,), replace(state, muted=on), data={"on": on})
    if op == "dtmf":
        if not digits or not _DTMF.match(digits):
            raise Refused("bad_value", "digits: 1-32 of 0-9 * # A-D")
        return Plan(
            op,
            (Cmd("uuid_send_dtmf", (c, digits.upper())),),
            state,
            data={"digits": digits.upper()},
        )
    if op == "hangup":
        others = [state.consult] if state.consult else []
        if state.conference:  # in a room the legs are no longer bridged: each one goes
            others.append(a)
        cmds = (
            Cmd("uuid_kill", (c, "NORMAL_CLEARING")),
            *(Cmd("uuid_kill", (x, "NORMAL_CLEARING")) for x in others),
        )
        return Plan(op, cmds, CallState())
    if op in ("transfer", "consult"):
        return _transfer(op, c, a, state, target, hold_music)
    if state.consult is None:
        raise Refused("no_consult", "there is no consult call")
    k = state.consult
    if op == "consult_complete":
        cmds = (
            Cmd("uuid_setvar", (a, "park_after_bridge", "false")),
            Cmd("uuid_setvar", (c, "park_after_bridge", "false")),
            Cmd("uuid_break", (c, "all")),
            Cmd("uuid_bridge", (c, k)),
            Cmd("uuid_setvar", (k, "park_after_bridge", "false")),
        )
        tgt = state.consult_target.as_dict() if state.consult_target else None
        return Plan(op, cmds, CallState(), release_agent=True, data={"leg": k, "target": tgt})
    if op == "consult_cancel":
        cmds = (
            Cmd("uuid_kill", (k, "NORMAL_CLEARING")),
            Cmd("uuid_break", (c, "all")),
            Cmd("uuid_bridge", (c, a)),
            Cmd("uuid_setvar", (a, "park_after_bridge", "false")),
            Cmd("uuid_setvar", (c, "park_after_bridge", "false")),
        )
        return Plan(op, cmds, CallState(muted=state.muted), data={"leg": k})
    # conference
    if not room:
        raise Refused("bad_value", "conference room name is required")
    dest = f"conference:{room}@default"
    cmds = (
        Cmd("uuid_break", (c, "all")),
        Cmd("uuid_transfer", (a, "-both", dest, "inline")),
        Cmd("uuid_transfer", (c, dest, "inline")),
    )
    return Plan(op, cmds, replace(state, conference=room), data={"room": room, "leg": k})


def _transfer(
    op: str, c: str, a: str, state: CallState, target: Target | None, hold_music: str
) -> Plan:
    if target is None:
        raise Refused("bad_target", "target: is required")
    if state.consult is not None or state.conference is not None:
        raise Refused("in_consult", "finish or cancel the consult call first")
    unhold = (Cmd("uuid_hold", ("off", a)),) if state.held else ()
    data = {"target": target.as_dict()}
    if op == "transfer":
        if target.kind == "queue":
            cmds = (
                *unhold,
                Cmd("uuid_setvar", (c, "park_after_bridge", "true")),
                Cmd("uuid_kill", (a, "NORMAL_CLEARING")),
            )
            return Plan(op, cmds, CallState(), release_agent=True, requeue=target.id, data=data)
        cmds = (*unhold, Cmd("uuid_break", (c, "all")), Cmd("uuid_bridge", (c, NEW_LEG)))
        return Plan(op, cmds, CallState(), needs_leg=target, release_agent=True, data=data)
    if target.kind == "queue":
        raise Refused("bad_target", "a consult goes to an agent or a number (transfer to a queue)")
    cmds = (  # each of the three outlives the other two hanging up: nobody is dropped
        *unhold,
        Cmd("uuid_setvar", (c, "park_after_bridge", "true")),
        Cmd("uuid_setvar", (a, "park_after_bridge", "true")),
        Cmd("uuid_setvar", (NEW_LEG, "park_after_bridge", "true")),
        Cmd("uuid_bridge", (a, NEW_LEG)),
        Cmd("uuid_broadcast", (c, hold_music, "aleg")),
    )
    st = replace(state, held=False, consult=NEW_LEG, consult_target=target)
    return Plan(op, cmds, st, needs_leg=target, data=data)


# -- following what the agent's phone did (re-INVITE hold, REFER) ---------------------------
@dataclass(frozen=True)
class PhoneAction:
    kind: str  # hold | unhold | refer
    detail: dict[str, str] = field(default_factory=dict)


class HeaderLookup(Protocol):
    def get(self, name: str, default: None = None, /) -> str | None: ...


def phone_action(event_name: str, headers: HeaderLookup, agent_leg: str) -> PhoneAction | None:
    """What an event on the agent's leg says the phone did, or None. CHANNEL_HOLD/UNHOLD come
    for `uuid_hold` too (then the state already says so: the caller ignores a no-op); a REFER is
    the agent leg's CHANNEL_HANGUP with `transfer_to: blind:<customer>` (phone-refer trace), or
    `att:<leg>` for an attended one (REFER with Replaces; sofia.c sets it, not recorded)."""
    if event_name == "CHANNEL_HOLD":
        return PhoneAction("hold")
    if event_name == "CHANNEL_UNHOLD":
        return PhoneAction("unhold")
    if event_name == "CHANNEL_HANGUP":
        to = headers.get("variable_transfer_to") or ""
        if to.startswith("blind:"):
            dest = (headers.get("variable_transfer_destination") or "").removeprefix("blind:")
            return PhoneAction("refer", {"destination": dest, "leg": agent_leg})
        if to.startswith("att:"):
            # REFER with Replaces (sofia.c): the customer is bridged to the leg named there
            detail = {"destination": "", "leg": agent_leg, "bridged_to": to[4:]}
            return PhoneAction("refer", detail)
    return None

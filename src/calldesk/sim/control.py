"""Control commands only the sim knows, reachable over ESL as `api sim_<name> ...`.

| command | reply |
| --- | --- |
| `sim_inject <did> [caller_id] [caller_name...]` | `+OK <uuid>\\n` |
| `sim_dtmf <uuid> <digits>` (the caller presses keys) | `+OK\\n` |
| `sim_hangup <uuid> [cause]` (the caller hangs up: recv_bye) | `+OK\\n` |
| `sim_phone <target> answer [after] \\| no_answer \\| busy \\| reject \\| unregistered \\| fail \\| machine [after] [beep_after]` | `+OK\\n` |
| `sim_register <user> [expires] [norefresh] [<behavior> [args]]` (REGISTER: sofia events) | `+OK\n` |
| `sim_unregister <user>` (REGISTER Expires: 0: sofia::unregister) | `+OK\n` |
| `sim_legs` | JSON list of live legs |
| `sim_eavesdrop <uuid>` | JSON mode of the eavesdrop leg `uuid` |
| `sim_did <number> [var=value ...]` (adds a parking DID to the dialplan) | `+OK\\n` |
| `sim_socket <number> <host:port>` (number runs `socket host:port async full`) | `+OK\\n` |
| `sim_callees <prefix> [answer=R] [machine=R] [busy=R] [fail=R] [answer_after=S] [talk=S] [seed=N]` (callees at rates: `calldesk.sim.callees`) | `+OK\\n` |
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from .phones import PhoneBehavior

if TYPE_CHECKING:
    from .switch import SimSwitch


def _f(value: str, default: float) -> float:
    try:
        return float(value)
    except ValueError:
        return default


def sim_inject(sw: SimSwitch, arg: str) -> str:
    words = arg.split(" ", 2)
    if not words[0]:
        return "-USAGE: sim_inject <did> [caller_id] [caller_name]\n"
    uuid = sw.inject_call(
        words[0],
        caller_id=words[1] if len(words) > 1 else "+15550101",
        caller_name=words[2] if len(words) > 2 else "Customer 1",
    )
    return f"+OK {uuid}\n"


def sim_dtmf(sw: SimSwitch, arg: str) -> str:
    uuid, _, digits = arg.partition(" ")
    return "+OK\n" if sw.send_dtmf(uuid, digits.strip()) else "-ERR No such channel!\n"


def sim_hangup(sw: SimSwitch, arg: str) -> str:
    uuid, _, cause = arg.partition(" ")
    return (
        "+OK\n"
        if sw.hangup(uuid, cause.strip() or "NORMAL_CLEARING")
        else "-ERR No such channel!\n"
    )


def sim_phone(sw: SimSwitch, arg: str) -> str:
    w = arg.split()
    if len(w) < 2:
        return "-USAGE: sim_phone <target> <behavior> [args]\n"
    b = _behavior(w[1], w[2:])
    if b is None:
        return f"-ERR unknown behavior {w[1]}\n"
    sw.add_phone(w[0], b)
    return "+OK\n"


def sim_callees(sw: SimSwitch, arg: str) -> str:
    from .callees import parse_pool

    try:
        sw.add_callees(parse_pool(arg))
    except ValueError as exc:
        return f"-ERR {exc}\n"
    return "+OK\n"


def _behavior(kind: str, rest: list[str]) -> PhoneBehavior | None:
    if kind == "answer":
        return PhoneBehavior.answer(after=_f(rest[0], 1.0) if rest else 1.0)
    if kind == "machine":
        return PhoneBehavior.machine(
            after=_f(rest[0], 2.0) if rest else 2.0,
            beep_after=_f(rest[1], 5.0) if len(rest) > 1 else 5.0,
        )
    if kind in ("no_answer", "busy", "unregistered", "fail", "reject"):
        return getattr(PhoneBehavior, kind)()
    return None


def sim_register(sw: SimSwitch, arg: str) -> str:
    w = arg.split()
    if not w:
        return "-USAGE: sim_register <user> [expires] [norefresh] [answer [after]|busy|...]\n"
    rest = w[1:]
    expires = int(rest.pop(0)) if rest and rest[0].isdigit() else 3600
    refresh = "norefresh" not in rest
    rest = [x for x in rest if x != "norefresh"]
    behavior = _behavior(rest[0], rest[1:]) if rest else PhoneBehavior.answer()
    if behavior is None:
        return f"-ERR unknown behavior {rest[0]}\n"
    sw.register_phone(w[0], behavior, expires=expires, refresh=refresh)
    return "+OK\n"


def sim_unregister(sw: SimSwitch, arg: str) -> str:
    return "+OK\n" if sw.unregister_phone(arg.strip()) else "-ERR not registered\n"


def sim_legs(sw: SimSwitch, arg: str) -> str:
    rows = [
        {
            "uuid": x.uuid,
            "name": x.name,
            "state": x.state,
            "call_state": x.call_state,
            "answer_state": x.answer_state,
            "peer": x.peer.uuid if x.peer else None,
            "application": x.variables.get("current_application", ""),
        }
        for x in sw.legs.values()
        if not x.hungup
    ]
    return json.dumps(rows)


def sim_eavesdrop(sw: SimSwitch, arg: str) -> str:
    mode = sw.eavesdrop_mode(arg.strip())
    return json.dumps(mode) if mode is not None else "-ERR not eavesdropping\n"


def sim_did(sw: SimSwitch, arg: str) -> str:
    w = arg.split()
    if not w:
        return "-USAGE: sim_did <number> [var=value ...]\n"
    variables = dict(x.split("=", 1) for x in w[1:] if "=" in x)
    sw.dialplan.add_did(w[0], variables)
    return "+OK\n"


def sim_socket(sw: SimSwitch, arg: str) -> str:
    w = arg.split()
    if len(w) < 2 or ":" not in w[1]:
        return "-USAGE: sim_socket <number> <host:port>\n"
    host, _, port = w[1].rpartition(":")
    sw.dialplan.add_socket(w[0], host, int(port))
    return "+OK\n"


CONTROL: dict[str, Callable[[SimSwitch, str], str]] = {
    "sim_inject": sim_inject,
    "sim_dtmf": sim_dtmf,
    "sim_hangup": sim_hangup,
    "sim_phone": sim_phone,
    "sim_callees": sim_callees,
    "sim_register": sim_register,
    "sim_unregister": sim_unregister,
    "sim_legs": sim_legs,
    "sim_eavesdrop": sim_eavesdrop,
    "sim_did": sim_did,
    "sim_socket": sim_socket,
}

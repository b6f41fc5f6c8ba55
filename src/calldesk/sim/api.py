"""`api` commands and their exact reply bodies (newline rules from the traces)."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING

import gevent

from . import lifecycle, originate
from .apps.bridge import request_transfer, uuid_bridge
from .apps.record import uuid_record
from .legs import Leg, Message

if TYPE_CHECKING:
    from .switch import SimSwitch

log = logging.getLogger(__name__)

VERSION = "FreeSWITCH Version 1.11.3-dev+calldesk~sim~64bit (calldesk simulated switch)"
NO_SUCH = "-ERR No such channel!\n"


def run_api(sw: SimSwitch, cmd: str, arg: str) -> str:
    """Execute one api command; the return value is the api/response body."""
    from .control import CONTROL

    cmd = cmd.strip()
    arg = arg.strip()
    fn = COMMANDS.get(cmd) or CONTROL.get(cmd)
    if fn is None:
        return f"-ERR {cmd} Command not found!\n"
    me = gevent.getcurrent()
    sw.api_pending[me] = (cmd, arg)
    try:
        return fn(sw, arg)
    except Exception as exc:  # never let a command kill the connection
        log.exception("sim: api %s %s failed", cmd, arg)
        return f"-ERR {type(exc).__name__}: {exc}\n"
    finally:
        sw.flush_api_event()


def _status(sw: SimSwitch, arg: str) -> str:
    up = sw.uptime()
    s = int(up)
    us = int((up - s) * 1_000_000)
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    mins, secs = divmod(rem, 60)
    n = sum(1 for leg in sw.legs.values() if not leg.hungup)
    return (
        f"UP 0 years, {days} days, {hours} hours, {mins} minutes, {secs} seconds, "
        f"{us // 1000} milliseconds, {us % 1000} microseconds\n"
        f"FreeSWITCH (Version 1.11.3-dev calldesk-sim 64bit) is ready\n"
        f"{sw.sessions_since_start} session(s) since startup\n"
        f"{n} session(s) - peak {n}, last 5min {n} \n"
        f"0 session(s) per Sec out of max 30, peak 0, last 5min 0 \n"
        f"1000 session(s) max\nmin idle cpu 0.00/99.00\nCurrent Stack Size/Max 240K/8192K\n"
    )


def _version(sw: SimSwitch, arg: str) -> str:
    return VERSION + "\n"


def _global_getvar(sw: SimSwitch, arg: str) -> str:
    if not arg:
        return "".join(f"{k}={v}\n" for k, v in sw.global_vars.items())
    return sw.global_vars.get(arg, "")


def _global_setvar(sw: SimSwitch, arg: str) -> str:
    name, _, value = arg.partition("=")
    sw.global_vars[name.strip()] = value
    return "+OK"


def _leg_and_rest(sw: SimSwitch, arg: str) -> tuple[Leg | None, str]:
    uuid, _, rest = arg.partition(" ")
    return sw.get_leg(uuid), rest.strip()


def _uuid_kill(sw: SimSwitch, arg: str) -> str:
    leg, cause = _leg_and_rest(sw, arg)
    if leg is None:
        return NO_SUCH
    lifecycle.hangup(sw, leg, cause or "NORMAL_CLEARING")
    return "+OK\n"


def _uuid_exists(sw: SimSwitch, arg: str) -> str:
    return "true" if sw.get_leg(arg) is not None else "false"


def _uuid_getvar(sw: SimSwitch, arg: str) -> str:
    leg, name = _leg_and_rest(sw, arg)
    if leg is None:
        return NO_SUCH
    if not name:
        return "-USAGE: <uuid> <var>\n"
    value = leg.variables.get(name)
    return "_undef_" if value is None else value


def _uuid_setvar(sw: SimSwitch, arg: str) -> str:
    leg, rest = _leg_and_rest(sw, arg)
    if leg is None:
        return NO_SUCH
    name, _, value = rest.partition(" ")
    if not name:
        return "-USAGE: <uuid> <var> [value]\n"
    if value:
        leg.set_var(name, value)
    else:
        leg.variables.pop(name, None)
    return "+OK\n"


def _uuid_bridge(sw: SimSwitch, arg: str) -> str:
    """mod_commands.c uuid_bridge_function: `<uuid> <other_uuid> [<fallback uuid>]`; a third
    uuid is tried when the second fails; the error names no uuid."""
    words = arg.split()
    if len(words) < 2:
        return "-USAGE: <uuid> <other_uuid>\n"
    a = sw.get_leg(words[0])
    for other in words[1:3]:
        b = sw.get_leg(other)
        if a is not None and b is not None and a is not b:
            uuid_bridge(sw, a, b)
            return f"+OK {b.uuid}\n"
    return "-ERR Invalid uuid\n"


def _uuid_transfer(sw: SimSwitch, arg: str) -> str:
    words = arg.split()
    if len(words) < 2:
        return "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n"
    leg = sw.get_leg(words[0])
    if leg is None:
        return NO_SUCH
    rest = [w for w in words[1:] if w not in ("-bleg", "-both")]
    request_transfer(sw, leg, rest[0], rest[2] if len(rest) > 2 else None)
    return "+OK\n"


def _uuid_record(sw: SimSwitch, arg: str) -> str:
    words = arg.split()
    if len(words) < 2:
        return "-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>]\n"
    leg = sw.get_leg(words[0])
    if leg is None:
        return NO_SUCH
    return uuid_record(sw, leg, words[1], words[2] if len(words) > 2 else "")


def _uuid_broadcast(sw: SimSwitch, arg: str) -> str:
    words = arg.split()
    if len(words) < 2:
        return "-USAGE: <uuid> <path> [aleg|bleg|both]\n"
    leg = sw.get_leg(words[0])
    if leg is None:
        return NO_SUCH
    which = words[2] if len(words) > 2 else "aleg"
    targets = [leg] if which == "aleg" else []
    if which in ("bleg", "both") and leg.peer is not None:
        targets.append(leg.peer)
    if which == "both":
        targets.insert(0, leg)
    path = words[1]
    app, _, data = path.partition("::")
    for t in targets:
        if data:  # `app::args` runs an app
            sw.sendmsg(t, Message("execute", app, data.strip("()")))
        else:
            sw.sendmsg(t, Message("execute", "playback", path))
    return "+OK Message sent\n"


def _uuid_recv_dtmf(sw: SimSwitch, arg: str) -> str:
    leg, digits = _leg_and_rest(sw, arg)
    if leg is None:
        return NO_SUCH
    sw.queue_dtmf(leg, digits)
    sw.log_line(leg, 6, f"RECV DTMF {digits}:2000")
    return f"+OK {leg.uuid} received DTMF {digits}.\n"


def _uuid_send_dtmf(sw: SimSwitch, arg: str) -> str:
    leg, digits = _leg_and_rest(sw, arg)
    if leg is None:
        return NO_SUCH
    far = leg.twin or leg.peer
    if far is not None and not far.hungup:
        sw.queue_dtmf(far, digits.split("@")[0])
    return "+OK Success\n"


def _uuid_break(sw: SimSwitch, arg: str) -> str:
    """mod_commands.c break_function: `all` first flushes the leg's queued private events
    (switch_core_session_flush_private_events: queued sendmsg commands are dropped, with no
    EXECUTE/_COMPLETE), then the running app is broken (CF_BREAK / stop_broadcast)."""
    leg, rest = _leg_and_rest(sw, arg)
    if leg is None:
        return NO_SUCH
    if "all" in rest:
        leg.messages.clear()
    leg.break_requested = True
    leg.poke()
    return "+OK\n"


def _uuid_answer(sw: SimSwitch, arg: str) -> str:
    leg, _ = _leg_and_rest(sw, arg)
    if leg is None:
        return NO_SUCH
    lifecycle.answer(sw, leg)
    return "+OK\n"


def _avmd(sw: SimSwitch, arg: str) -> str:
    from .apps import avmd

    leg, action = _leg_and_rest(sw, arg)
    if leg is None:
        return NO_SUCH
    if action == "stop":
        avmd.stop(sw, leg)
    elif action == "start":
        avmd.start(sw, leg)
    else:
        return "-ERR, usage: avmd <uuid> <start|stop>\n"
    return "+OK\n"


def _fsctl(sw: SimSwitch, arg: str) -> str:
    """`fsctl sps [N]`: read or set the session-rate throttle (the sim's only fsctl). The sim
    enforces none until configured; it then reports 0, and `fsctl sps 0` lifts it again."""
    words = arg.split()
    if words[:1] != ["sps"]:
        return "-ERR INVALID COMMAND\n"
    if len(words) > 1 and words[1].isdigit():
        sw.site.sessions_per_second = int(words[1]) or None  # 0: back to unenforced
        sw.throttle.reset()
    return f"+OK sessions per second: {sw.site.sessions_per_second or 0}\n"


def _reloadxml(sw: SimSwitch, arg: str) -> str:
    return "+OK [Success]\n"


def _originate(sw: SimSwitch, arg: str) -> str:
    return originate.originate(sw, arg)


def _stamp(epoch_us: int) -> tuple[str, str]:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch_us / 1e6)), str(
        epoch_us // 10**6
    )


def _row(sw: SimSwitch, leg: Leg, prefix: str = "") -> dict[str, str]:
    created, created_epoch = _stamp(leg.times["Created"])
    return {
        f"{prefix}uuid": leg.uuid, f"{prefix}direction": leg.direction,
        f"{prefix}created": created, f"{prefix}created_epoch": created_epoch,
        f"{prefix}name": leg.name, f"{prefix}state": leg.state,
        f"{prefix}cid_name": leg.profile["Caller-ID-Name"],
        f"{prefix}cid_num": leg.profile["Caller-ID-Number"],
        f"{prefix}ip_addr": leg.profile["Network-Addr"],
        f"{prefix}dest": leg.profile["Destination-Number"],
        f"{prefix}presence_id": "", f"{prefix}presence_data": "", f"{prefix}accountcode": "",
        f"{prefix}callstate": leg.call_state, f"{prefix}callee_name": "",
        f"{prefix}callee_num": "", f"{prefix}callee_direction": "",
    }  # fmt: skip


def _show(sw: SimSwitch, arg: str) -> str:
    words = arg.split()
    if not words:
        return "-USAGE: show channels|calls [as json]\n"
    what = words[0]
    if what == "registrations":
        return _show_registrations(sw, words)
    legs = sorted((x for x in sw.legs.values() if not x.hungup), key=lambda x: x.times["Created"])
    rows: list[dict[str, str]] = []
    if what == "channels":
        for leg in legs:
            row = _row(sw, leg)
            row.update({
                "application": leg.variables.get("current_application", ""),
                "application_data": leg.variables.get("current_application_data", ""),
                "dialplan": "XML", "context": leg.profile["Context"],
                "read_codec": "PCMU" if leg.media else "", "read_rate": "8000" if leg.media else "",
                "write_codec": "PCMU" if leg.media else "",
                "write_rate": "8000" if leg.media else "",
                "hostname": sw.hostname, "call_uuid": leg.variables.get("call_uuid", ""),
            })  # fmt: skip
            rows.append(row)
    elif what == "calls":
        seen: set[str] = set()
        for leg in legs:
            if leg.uuid in seen:
                continue
            peer = leg.peer if leg.peer is not None and not leg.peer.hungup else None
            if peer is not None and not leg.bridge_originator:
                continue
            row = _row(sw, leg)
            row.update({"call_uuid": "", "hostname": sw.hostname,
                        "sent_callee_name": "", "sent_callee_num": ""})  # fmt: skip
            if peer is not None:
                seen.add(peer.uuid)
                b = _row(sw, peer, "b_")
                b.pop("b_callee_name")
                b.pop("b_callee_num")
                b.pop("b_callee_direction")
                row.update(b)
                row.update({"b_callee_name": "", "b_callee_num": "", "b_callee_direction": "",
                            "b_sent_callee_name": "", "b_sent_callee_num": "",
                            "call_created_epoch": str(leg.times["Bridged"] // 10**6)})  # fmt: skip
            else:
                for k in list(_row(sw, leg, "b_")) + ["b_sent_callee_name", "b_sent_callee_num",
                                                       "call_created_epoch"]:  # fmt: skip
                    row[k] = ""
            rows.append(row)
    else:
        return f"-ERR {what} not supported\n"
    if "json" not in words:
        if not rows:
            return "\n0 total.\n"
        keys = list(rows[0])
        lines = [",".join(keys)] + [",".join(r[k] for k in keys) for r in rows]
        return "\n".join(lines) + f"\n\n{len(rows)} total.\n"
    if not rows:
        return '{"row_count": 0}\n'
    return json.dumps({"row_count": len(rows), "rows": rows}, separators=(",", ":")) + "\n"


def _sofia_contact(sw: SimSwitch, arg: str) -> str:
    user = arg.split("@")[0].split("/")[-1]
    phone = sw.phones.get(f"user/{user}")
    contact = sw.registry.contact(user)
    if phone is None or phone.kind == "unregistered" or contact is None:
        return "error/user_not_registered"
    return contact


def _show_registrations(sw: SimSwitch, words: list[str]) -> str:
    rows = sw.registry.rows()
    if "json" in words:
        if not rows:
            return '{"row_count": 0}\n'
        return json.dumps({"row_count": len(rows), "rows": rows}, separators=(",", ":")) + "\n"
    if not rows:
        return "\n0 total.\n"
    keys = list(rows[0])
    lines = [",".join(keys)] + [",".join(r[k] for k in keys) for r in rows]
    return "\n".join(lines) + f"\n\n{len(rows)} total.\n"


COMMANDS = {
    "status": _status, "version": _version, "global_getvar": _global_getvar,
    "global_setvar": _global_setvar, "uuid_kill": _uuid_kill, "uuid_exists": _uuid_exists,
    "uuid_getvar": _uuid_getvar, "uuid_setvar": _uuid_setvar, "uuid_bridge": _uuid_bridge,
    "uuid_transfer": _uuid_transfer, "uuid_record": _uuid_record,
    "uuid_broadcast": _uuid_broadcast, "uuid_recv_dtmf": _uuid_recv_dtmf,
    "uuid_send_dtmf": _uuid_send_dtmf, "uuid_break": _uuid_break, "uuid_answer": _uuid_answer,
    "originate": _originate, "avmd": _avmd, "fsctl": _fsctl, "reloadxml": _reloadxml, "show": _show, "sofia_contact": _sofia_contact,
}  # fmt: skip

from .apps.callops import COMMANDS as _CALL_OPS  # noqa: E402 - hold, conference, uuid_audio

COMMANDS.update(_CALL_OPS)

"""originate and bridge targets: loopback pairs, simulated phones, error/ endpoints."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

import gevent

from . import causes, executor, lifecycle
from .legs import Leg
from .phones import PhoneBehavior, normalize_target

if TYPE_CHECKING:
    from .switch import SimSwitch

DEFAULT_TIMEOUT = 60.0


def parse_vars(dial: str) -> tuple[dict[str, str], str]:
    """`{a=1,b=2}rest` -> ({a: 1, b: 2}, rest); `[...]` per-leg blocks are read the same way."""
    variables: dict[str, str] = {}
    s = dial.strip()
    while s[:1] in ("{", "<", "["):
        close = {"{": "}", "<": ">", "[": "]"}[s[0]]
        end = s.find(close)
        if end < 0:
            break
        for item in re.split(r"(?<!\\),", s[1:end]):
            k, sep, v = item.partition("=")
            if sep and k.strip():
                variables[k.strip()] = v.replace("\\,", ",")
        s = s[end + 1 :]
    return variables, s


def split_dial(dial: str) -> list[str]:
    """A dial string's targets, as switch_ivr_originate splits them: on `|` (one after the
    other) and `,` (at once), except inside `[...]` per-leg blocks, single quotes, or after a
    backslash; each target is then cleaned (switch_utils.c cleanup_separated_string: `\\,`
    becomes `,`). So `loopback/answer,park/default/inline` is TWO targets, `loopback/answer`
    and `park/default/inline`; the one-target form is `loopback/answer\\,park/default/inline`."""
    targets, cur, depth, quoted, i = [], "", 0, False, 0
    while i < len(dial):
        c = dial[i]
        if c == "\\" and i + 1 < len(dial):
            nxt = dial[i + 1]
            cur += nxt if nxt in ",|'\\" else c + nxt
            i += 2
            continue
        if c == "'":
            quoted = not quoted
        elif c == "[" and not quoted:
            depth += 1
        elif c == "]" and not quoted and depth:
            depth -= 1
        elif c in ",|" and not quoted and not depth:
            targets.append(cur.strip())
            cur, i = "", i + 1
            continue
        cur += c
        i += 1
    targets.append(cur.strip())
    return [t for t in targets if t]


def inline_apps(dest: str) -> list[tuple[str, str]]:
    """The inline dialplan's app list (mod_dptools.c, inline_dialplan_hunt): `app:arg` items
    separated by `,`, or by X after an `m:X:` prefix."""
    delim = ","
    if len(dest) >= 4 and dest[0] == "m" and dest[1] == ":" and dest[3] == ":":
        delim, dest = dest[2], dest[4:]
    apps = []
    for part in dest.split(delim):
        name, _, arg = part.strip().partition(":")
        if name:
            apps.append((name, arg))
    return apps


# Endpoint types the sim dials; any other one does not exist (CHAN_NOT_IMPLEMENTED).
ENDPOINTS = ("loopback", "user", "sofia", "error")


def parse_app(spec: str) -> list[tuple[str, str]] | None:
    """`&app(args)` or `app1:arg,app2 inline` -> app list; None for a dialplan extension."""
    spec = spec.strip()
    if spec.startswith("&"):
        m = re.match(r"&([\w:-]+)(?:\((.*)\))?$", spec, re.S)
        if not m:
            return [(spec[1:], "")]
        return [(m.group(1), m.group(2) or "")]
    if spec.endswith(" inline"):
        apps = []
        for part in spec[: -len(" inline")].split(","):
            name, _, arg = part.partition(":")
            if name.strip():
                apps.append((name.strip(), arg))
        return apps
    return None


def _enter(sw: SimSwitch, leg: Leg, ringing: bool) -> None:
    """Creation sequence: CS_INIT, CREATE, then routing (inbound) or consume-media (outbound)."""
    sw.register(leg)
    lifecycle.set_state(sw, leg, "CS_INIT")
    sw.fire(leg, "CHANNEL_CREATE")
    if ringing:
        leg.state = "CS_ROUTING"
        lifecycle.set_callstate(sw, leg, "RINGING")
        lifecycle.set_state(sw, leg, "CS_ROUTING")
    else:
        lifecycle.set_state(sw, leg, "CS_ROUTING")
        lifecycle.set_state(sw, leg, "CS_CONSUME_MEDIA")


def _apply_vars(leg: Leg, variables: dict[str, str]) -> None:
    for k, v in variables.items():
        leg.set_var(k, v)
    if "origination_caller_id_number" in variables:
        leg.profile["Caller-ID-Number"] = variables["origination_caller_id_number"]
        leg.profile["Orig-Caller-ID-Number"] = variables["origination_caller_id_number"]
        leg.profile["ANI"] = variables["origination_caller_id_number"]
    if "origination_caller_id_name" in variables:
        leg.profile["Caller-ID-Name"] = variables["origination_caller_id_name"]
        leg.profile["Orig-Caller-ID-Name"] = variables["origination_caller_id_name"]


def early_ok(variables: dict[str, str]) -> bool:
    """switch_ivr_originate: early_ok starts at 1 (a peer with early media ends the originate
    as if answered) and `ignore_early_media` true, `consume` or `ring_ready` clears it."""
    v = (variables.get("ignore_early_media") or "").strip().lower()
    return not (
        v in ("true", "yes", "on", "1", "consume", "ring_ready") or v.isdigit() and v != "0"
    )


def _wait_answer(
    sw: SimSwitch, leg: Leg, timeout: float, caller: Leg | None = None, early: bool = False
) -> str | None:
    """None when answered (or, with `early`, in early media); else the failure cause."""
    deadline = sw.clock.now() + timeout
    if caller is not None:
        caller.watchers.append(leg)  # the caller's hangup wakes this wait
    try:
        while True:
            if caller is not None and caller.hungup and not leg.hungup:
                lifecycle.hangup(sw, leg, "ORIGINATOR_CANCEL")
                return "ORIGINATOR_CANCEL"
            if (leg.times["Answered"] or early and leg.times["Progress-Media"]) and not leg.hungup:
                return None
            if leg.hungup:
                return leg.cause
            left = deadline - sw.clock.now()
            if left <= 0:
                lifecycle.hangup(sw, leg, "NO_ANSWER")
                return "NO_ANSWER"
            # answer, early media and hangup wake the leg (lifecycle); no polling
            leg.wake.clear()
            leg.wake.wait(sw.clock.wall(left))
    finally:
        if caller is not None and leg in caller.watchers:
            caller.watchers.remove(leg)


def _origination_uuid(sw: SimSwitch, variables: dict[str, str]) -> str | None | Literal[False]:
    """`origination_uuid` names the new leg (switch_core_session_request_uuid); a uuid already in
    use makes the session request fail (False), which the endpoint reports as
    DESTINATION_OUT_OF_ORDER. For a loopback pair it names the -a leg."""
    want = (variables.get("origination_uuid") or "").strip() or None
    if want is not None and want in sw.legs:
        return False
    return want


def _cid(variables: dict[str, str], key: str, default: str) -> str:
    return variables.get(f"origination_caller_id_{key}", default)


def dial(
    sw: SimSwitch,
    target: str,
    variables: dict[str, str],
    caller: Leg | None = None,
    early: bool = False,
) -> tuple[Leg | None, str]:
    """Place one outbound leg and wait for answer: (leg, "SUCCESS") or (None, cause). With
    `early` (api originate without ignore_early_media) early media counts as the answer."""
    target = target.strip()
    timeout = float(variables.get("originate_timeout") or variables.get("call_timeout") or 0)
    timeout = timeout or DEFAULT_TIMEOUT
    num = _cid(variables, "number", caller.profile["Caller-ID-Number"] if caller else "0000000000")
    name = _cid(variables, "name", caller.profile["Caller-ID-Name"] if caller else "FreeSWITCH")
    if target.startswith("error/"):
        return None, causes.normalize(target[6:], default="NORMAL_CLEARING")
    if target.startswith("loopback/"):
        return _dial_loopback(sw, target, variables, num, name, timeout, early)
    if target.split("/", 1)[0] not in ENDPOINTS:  # switch_core_session_outgoing_channel
        return None, "CHAN_NOT_IMPLEMENTED"
    key = normalize_target(target)
    user = key.rsplit("/", 1)[-1].split("@")[0]
    if target.startswith("user/") and not _in_directory(sw, target):
        # mod_dptools.c user_outgoing_channel: no such user/domain -> SUBSCRIBER_ABSENT
        return None, "SUBSCRIBER_ABSENT"
    phone = sw.phone_for(key) or sw.phones.get("user/" + user)
    if phone is None or phone.kind == "unregistered":
        return None, "USER_NOT_REGISTERED"  # known user, no registration (sofia_contact)
    reg = sw.registry.regs.get(user)
    port = reg.contact_port if reg is not None else 5099
    want = _origination_uuid(sw, variables)
    if want is False or not sw.admit_session():
        return None, "DESTINATION_OUT_OF_ORDER"
    profile = target.split("/")[1] if target.startswith("sofia/") else "internal"
    leg = Leg(
        sw,
        f"sofia/{profile}/{user}@127.0.0.1:{port}",
        "outbound",
        num,
        name,
        user,
        context="default",
        uuid=want,
    )
    leg.set_var("dialed_user", user)
    leg.set_var("dialed_domain", reg.domain if reg is not None else "127.0.0.1")
    leg.phone = phone
    _apply_vars(leg, variables)
    _enter(sw, leg, ringing=False)
    gevent.spawn(_phone_side, sw, leg, phone)
    cause = _wait_answer(sw, leg, timeout, caller, early)
    if cause is not None:
        return None, cause
    return leg, "SUCCESS"


def _in_directory(sw: SimSwitch, target: str) -> bool:
    """`user/<id>[@<domain>]` names a directory user of a domain the switch serves."""
    user, _, domain = target[5:].partition("@")
    if domain:
        regs = {r.domain for r in sw.registry.regs.values()}
        served = sw.site.domains or {sw.global_vars.get("domain", ""), "127.0.0.1"} | regs
        if domain not in served:
            return False
    return sw.user_known(user)


def _phone_side(sw: SimSwitch, leg: Leg, phone: PhoneBehavior) -> None:
    """What the far-end phone does: ring, then answer / busy / fail / never answer."""
    sw.clock.sleep(0.02)
    if leg.hungup:
        return
    leg.times["Progress"] = sw.clock.epoch_us()
    sw.fire(leg, "CHANNEL_PROGRESS")
    lifecycle.set_callstate(sw, leg, "RINGING")
    if phone.kind == "no_answer":
        return
    sw.clock.sleep(phone.after)
    if leg.hungup:
        return
    if phone.failure_cause:
        lifecycle.hangup(sw, leg, phone.failure_cause)
        return
    lifecycle.answer(sw, leg, progress=False)
    start = sw.clock.now()
    script = sorted(phone.dtmf)
    if phone.kind == "machine":
        script.append((phone.beep_after, "__beep__"))
    for at, digits in sorted(script):
        sw.clock.sleep(at - (sw.clock.now() - start))
        if leg.hungup:
            return
        if digits == "__beep__":
            sw.machine_beep(leg)
        else:
            sw.queue_dtmf(leg, digits)
    if phone.hangup_after is not None:
        talk = phone.hangup_after
        if phone.talk_from == "bridge":  # the talk starts when the caller is put through
            while leg.peer is None and not leg.hungup and sw.clock.now() - start < phone.patience_s:
                sw.clock.sleep(0.1)
            if leg.peer is None:
                talk = phone.patience_s
            else:
                start = sw.clock.now()
        sw.clock.sleep(talk - (sw.clock.now() - start))
        if not leg.hungup:
            leg.set_var("sip_hangup_disposition", "recv_bye")
            lifecycle.hangup(sw, leg, "NORMAL_CLEARING")


def _dial_loopback(
    sw: SimSwitch,
    target: str,
    variables: dict[str, str],
    num: str,
    name: str,
    timeout: float,
    early: bool = False,
) -> tuple[Leg | None, str]:
    """`loopback/<dest>[/<context>[/<dialplan>]]` (mod_loopback.c, channel_outgoing_channel):
    the -b leg runs <dest> in <context> (default `default`); with the `inline` dialplan <dest>
    itself is the app list."""
    parts = target.split("/", 3)
    ext = parts[1] if len(parts) > 1 else ""
    context = parts[2] if len(parts) > 2 and parts[2] else "default"
    dialplan = parts[3] if len(parts) > 3 and parts[3] else "XML"
    want = _origination_uuid(sw, variables)
    # loopback makes two sessions (-a, then -b), each against the session-rate throttle
    if want is False or not sw.admit_session() or not sw.admit_session():
        return None, "DESTINATION_OUT_OF_ORDER"
    a = Leg(
        sw,
        f"loopback/{ext}-a",
        "outbound",
        num,
        name,
        ext,
        context=context,
        source="mod_loopback",
        uuid=want,
    )
    b = Leg(
        sw, f"loopback/{ext}-b", "inbound", num, name, ext, context=context, source="mod_loopback"
    )
    a.twin, b.twin = b, a
    for leg in (a, b):
        _apply_vars(leg, variables)
        leg.set_var("other_loopback_leg_uuid", (b if leg is a else a).uuid)
    _enter(sw, a, ringing=False)
    _enter(sw, b, ringing=True)
    if dialplan.lower() == "inline":
        apps: list[tuple[str, str]] | None = inline_apps(ext)
    else:
        apps = sw.dialplan.route(ext, context, sw.clock.epoch())
    if apps is None:
        lifecycle.hangup(sw, b, "NO_ROUTE_DESTINATION")
        return None, "NO_ROUTE_DESTINATION"
    lifecycle.set_state(sw, b, "CS_EXECUTE")
    executor.start(sw, b, apps)
    cause = _wait_answer(sw, a, timeout, early=early)
    if cause is not None:
        return None, cause
    return a, "SUCCESS"


def dial_first(
    sw: SimSwitch,
    targets: list[str],
    variables: dict[str, str],
    caller: Leg | None = None,
    early: bool = False,
) -> tuple[Leg | None, str]:
    """Try targets in turn (`,` and `|` in a dial string); the first answer wins. FreeSWITCH
    rings `,` targets at once; one after the other is close enough for the sim."""
    cause = "NO_ROUTE_DESTINATION"
    for target in targets:
        per_leg, t = parse_vars(target)  # `[var=value]` blocks belong to their own target
        merged = {**variables, **per_leg}
        leg, cause = dial(sw, t, merged, caller, early and early_ok(merged))
        if leg is not None:
            return leg, cause
    return None, cause


def originate(sw: SimSwitch, arg: str) -> str:
    """api originate body: `+OK <uuid>\\n` or `-ERR <CAUSE>\\n`."""
    parts = arg.strip().split(" ", 1)
    if len(parts) < 2 or not parts[1].strip():
        return "-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n"
    dialstring, rest = parts
    variables, target = parse_vars(dialstring)
    apps = parse_app(rest)
    ext_ctx = None
    if apps is None:
        words = rest.split()
        ext_ctx = (words[0], words[2] if len(words) > 2 else "default")
        if len(words) > 6 and words[6].isdigit():
            variables.setdefault("originate_timeout", words[6])
    # No caller: like switch_ivr_originate, early media ends the wait unless told otherwise
    # (the bridge app waits for the answer itself, so it never passes `early`).
    leg, cause = dial_first(sw, split_dial(target), variables, early=True)
    if leg is None:
        return f"-ERR {cause}\n"
    if ext_ctx is not None:
        apps = sw.dialplan.route(ext_ctx[0], ext_ctx[1], sw.clock.epoch()) or []

    def run() -> None:
        sw.clock.sleep(0.02)
        if leg.hungup:
            return
        lifecycle.set_state(sw, leg, "CS_EXECUTE")
        executor.start(sw, leg, apps or [])

    gevent.spawn(run)
    return f"+OK {leg.uuid}\n"

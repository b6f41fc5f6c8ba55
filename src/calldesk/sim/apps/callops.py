"""The api commands of the call-control operations, merged into the sim's command table."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import gevent

from . import conference, hold, xfer

if TYPE_CHECKING:
    from ..switch import SimSwitch


AUDIO_USAGE = "-USAGE: <uuid> [start [read|write] [mute|level <level>]|stop]\n"


def _uuid_audio(sw: SimSwitch, arg: str) -> str:
    """`uuid_audio <uuid> start <read|write> <mute|level> <level>` / `<uuid> stop`
    (mod_commands.c session_audio_function: a media bug muting or scaling one direction; no
    event). Its replies: `+OK`; usage on bad arguments; for an unknown uuid the error and then
    `+OK`, as the source writes both."""
    words = arg.split()
    if len(words) < 2:
        return AUDIO_USAGE
    leg = sw.get_leg(words[0])
    if leg is None:
        return "-ERR No Such Channel!\n+OK\n"
    if words[1] == "stop":
        leg.variables.pop("calldesk_sim_muted", None)
        return "+OK\n"
    if words[1] != "start" or len(words) < 5 or words[2] not in ("read", "write"):
        return AUDIO_USAGE
    if words[3] not in ("mute", "level"):
        return AUDIO_USAGE
    if words[3] == "mute":
        muted = words[4].lstrip("-").isdigit() and int(words[4]) != 0
        if muted:
            leg.set_var("calldesk_sim_muted", words[2])
        else:
            leg.variables.pop("calldesk_sim_muted", None)
    return "+OK\n"


def _module_exists(sw: SimSwitch, arg: str) -> str:
    """`module_exists <mod>`: the modules the sim stands in for."""
    return "true" if arg.strip() in MODULES else "false"


MODULES = frozenset(
    "mod_sofia mod_loopback mod_dptools mod_commands mod_event_socket mod_conference "
    "mod_local_stream mod_tone_stream mod_avmd mod_sndfile".split()
)


def _uuid_transfer(sw: SimSwitch, arg: str) -> str:
    """`uuid_transfer <uuid> [-bleg|-both] <dest> [<dialplan>] [<context>]`: a bridged leg
    leaves its bridge (xfer.py); `-both` and the `inline` dialplan go to conference.py."""
    from ..api import _uuid_transfer as plain

    words = arg.split()
    leg = sw.get_leg(words[0]) if words else None
    if leg is None or len(words) < 2:
        return plain(sw, arg)
    flags = [w for w in words[1:] if w in ("-bleg", "-both")]
    rest = [w for w in words[1:] if w not in ("-bleg", "-both")]
    if not rest:
        return plain(sw, arg)
    dest, dialplan = rest[0], (rest[1] if len(rest) > 1 else "XML")
    if dialplan == "inline" or flags:
        return conference.transfer(sw, leg, dest, dialplan, flags)
    if leg.peer is None:
        return plain(sw, arg)
    context = rest[2] if len(rest) > 2 else leg.profile["Context"]
    gevent.spawn(xfer.transfer_bridged, sw, leg, dest, context)
    return "+OK\n"


def _uuid_bridge(sw: SimSwitch, arg: str) -> str:
    """`uuid_bridge <a> <b>`; a leg leaving a bridge with a held leg releases the hold first."""
    from ..api import _uuid_bridge as plain

    a_id, _, b_id = arg.partition(" ")
    legs = tuple(x for x in (sw.get_leg(a_id), sw.get_leg(b_id.strip())) if x is not None)
    if len(legs) == 2:
        hold.release_for_bridge(sw, legs)
    return plain(sw, arg)


def _sim_phone_hold(sw: SimSwitch, arg: str) -> str:
    """`sim_phone_hold <uuid> on|off`: the phone on that leg presses its hold key."""
    from ..phones import press_hold

    w = arg.split()
    if len(w) != 2 or w[1] not in ("on", "off"):
        return "-USAGE: sim_phone_hold <uuid> on|off\n"
    return "+OK\n" if press_hold(sw, w[0], w[1] == "on") else "-ERR No such channel!\n"


def _sim_phone_refer(sw: SimSwitch, arg: str) -> str:
    """`sim_phone_refer <uuid> <number>`: the phone on that (bridged) leg transfers (REFER)."""
    from ..phones import press_transfer

    w = arg.split()
    if len(w) != 2:
        return "-USAGE: sim_phone_refer <uuid> <number>\n"
    return "+OK\n" if press_transfer(sw, w[0], w[1]) else "-ERR No bridged channel!\n"


COMMANDS: dict[str, Callable[[SimSwitch, str], str]] = {
    "uuid_hold": hold.uuid_hold,
    "uuid_audio": _uuid_audio,
    "uuid_transfer": _uuid_transfer,
    "uuid_bridge": _uuid_bridge,
    "module_exists": _module_exists,
    "sim_phone_hold": _sim_phone_hold,
    "sim_phone_refer": _sim_phone_refer,
    "conference": conference.api,
}

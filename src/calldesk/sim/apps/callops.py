"""The api commands of the call-control operations, merged into the sim's command table."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import gevent

from . import conference, hold, xfer

if TYPE_CHECKING:
    from ..switch import SimSwitch


def _uuid_audio(sw: SimSwitch, arg: str) -> str:
    """`uuid_audio <uuid> start <read|write> mute <level>` / `stop` (mod_commands.c): a media
    bug that mutes one direction. No event besides MEDIA_BUG_START/STOP is fired."""
    words = arg.split()
    if len(words) < 2:
        return "-USAGE: <uuid> [start [read|write] [mute|level <level>]|stop]\n"
    leg = sw.get_leg(words[0])
    if leg is None:
        return "-ERR No such channel!\n"
    if words[1] == "stop":
        leg.variables.pop("calldesk_sim_muted", None)
    elif words[1] == "start" and "mute" in words:
        level = words[-1]
        if level == "0":
            leg.variables.pop("calldesk_sim_muted", None)
        else:
            leg.set_var("calldesk_sim_muted", words[2] if len(words) > 2 else "read")
    return "+OK Success\n"


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


COMMANDS: dict[str, Callable[[SimSwitch, str], str]] = {
    "uuid_hold": hold.uuid_hold,
    "uuid_audio": _uuid_audio,
    "uuid_transfer": _uuid_transfer,
    "conference": conference.api,
}

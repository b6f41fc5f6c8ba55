"""Hold: `api uuid_hold [off|toggle] <uuid>` and a phone holding itself with a re-INVITE.

Recorded (hold-unhold, phone-hold-reinvite): the held leg gets CHANNEL_CALLSTATE HELD and
CHANNEL_HOLD; 200 ms later its bridged partner gets hold music as a `playback` broadcast
(`hold_music`, default `local_stream://moh`), with no hold event of its own. Unhold: from the
api, CALLSTATE UNHELD, ACTIVE, the music's PLAYBACK_STOP (break), then CHANNEL_UNHOLD (state
ACTIVE); from the phone, the music stops first, then UNHELD, CHANNEL_UNHOLD (state UNHELD),
sofia::reinvite, ACTIVE. `uuid_hold off` on a leg not held is `-ERR Operation failed`; an
unknown uuid is `+OK Success` (switch_ivr_hold_uuid ignores it).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import gevent

from .. import lifecycle
from ..legs import Leg, Message, new_uuid

if TYPE_CHECKING:
    from ..switch import SimSwitch

MOH_DELAY_S = 0.2
HOLD_CALLING = ("switch_ivr.c", "switch_ivr_hold", 1526)
UNHOLD_CALLING = ("switch_ivr.c", "switch_ivr_unhold", 1589)
MARK_CALLING = ("switch_channel.c", "switch_channel_mark_hold", 1044)
REINVITE_CALLING = ("sofia.c", "sofia_handle_sip_i_state", 8270)


@dataclass
class HoldState:
    since_us: int
    music_on: Leg | None = None  # the partner hearing hold music
    music_uuid: str = ""


_HELD: weakref.WeakKeyDictionary[Leg, HoldState] = weakref.WeakKeyDictionary()


def is_held(leg: Leg) -> bool:
    return leg in _HELD


def uuid_hold(sw: SimSwitch, arg: str) -> str:
    """`uuid_hold [off|toggle] <uuid> [<display>]` (mod_commands.c uuid_hold_function)."""
    words = arg.split()
    if not words:
        return "-USAGE: [off|toggle] <uuid> [<display>]\n"
    mode = "on"
    if words[0] in ("off", "toggle"):
        mode = words.pop(0)
    if not words:
        return "-USAGE: [off|toggle] <uuid> [<display>]\n"
    leg = sw.get_leg(words[0])
    if leg is None:
        return "+OK Success\n"
    if mode == "toggle":
        mode = "off" if is_held(leg) else "on"
    if mode == "off":
        if not is_held(leg):
            return "-ERR Operation failed\n"
        gevent.spawn(unhold, sw, leg, "api")
        return "+OK Success\n"
    if not is_held(leg):
        gevent.spawn(hold, sw, leg, "api")
    return "+OK Success\n"


def _vars(leg: Leg) -> list[tuple[str, str]]:
    """CHANNEL_HOLD/UNHOLD carry the leg's variables (the traces)."""
    return [(f"variable_{k}", v) for k, v in leg.variables.items()]


def _hold_vars(leg: Leg, held: bool) -> None:
    leg.set_var("remote_audio_media_flow", "sendonly" if held else "sendrecv")
    leg.set_var("audio_media_flow", "recvonly" if held else "sendrecv")


def hold(sw: SimSwitch, leg: Leg, via: str) -> None:
    """`via`: "api" (uuid_hold: FreeSWITCH re-INVITEs the phone) or "phone" (its re-INVITE)."""
    if leg.hungup or is_held(leg):
        return
    state = _HELD[leg] = HoldState(sw.clock.epoch_us())
    leg.times["Last-Hold"] = state.since_us
    if via == "phone":
        _hold_vars(leg, True)
    lifecycle.set_callstate(sw, leg, "HELD")
    sw.fire(leg, "CHANNEL_HOLD", post=_vars(leg),
            calling=HOLD_CALLING if via == "api" else MARK_CALLING)  # fmt: skip
    sw.clock.sleep(MOH_DELAY_S)
    partner = leg.peer
    if partner is not None and not partner.hungup and is_held(leg):
        music = leg.variables.get("hold_music") or sw.global_vars.get(
            "hold_music", "local_stream://moh"
        )
        state.music_on, state.music_uuid = partner, new_uuid()
        sw.sendmsg(partner, Message("execute", "playback", music, state.music_uuid))
    if via == "phone":
        sw.clock.sleep(0.06)
        _reinvite(sw, leg)


def unhold(sw: SimSwitch, leg: Leg, via: str) -> None:
    state = _HELD.pop(leg, None)
    if state is None or leg.hungup:
        return
    leg.times["Hold-Accum"] = leg.times["Hold-Accum"] + sw.clock.epoch_us() - state.since_us
    if via == "phone":
        _stop_music(sw, state)
        _hold_vars(leg, False)
        lifecycle.set_callstate(sw, leg, "UNHELD")
        sw.fire(leg, "CHANNEL_UNHOLD", post=_vars(leg), calling=MARK_CALLING)
        _reinvite(sw, leg)
        lifecycle.set_callstate(sw, leg, "ACTIVE")
        return
    lifecycle.set_callstate(sw, leg, "UNHELD")
    lifecycle.set_callstate(sw, leg, "ACTIVE")
    _stop_music(sw, state)
    sw.fire(leg, "CHANNEL_UNHOLD", post=_vars(leg), calling=UNHOLD_CALLING)


def _stop_music(sw: SimSwitch, state: HoldState) -> None:
    """Break the partner's hold music and wait until its PLAYBACK_STOP has fired."""
    partner = state.music_on
    if partner is None or partner.hungup:
        return
    if not any(f.app_uuid == state.music_uuid for f in partner.frames):
        partner.messages = type(partner.messages)(
            m for m in partner.messages if m.event_uuid != state.music_uuid
        )
        return
    partner.break_requested = True
    partner.poke()
    for _ in range(500):
        if partner.hungup or not any(f.app_uuid == state.music_uuid for f in partner.frames):
            return
        gevent.sleep(0.001)


def music_of(leg: Leg) -> str:
    """The app uuid of the hold music `leg` (held) makes its partner hear, or ""."""
    state = _HELD.get(leg)
    return state.music_uuid if state is not None else ""


def forget(leg: Leg) -> None:
    """The leg left the call (transfer, bridge elsewhere): its hold ends without events."""
    _HELD.pop(leg, None)


def _reinvite(sw: SimSwitch, leg: Leg) -> None:
    """CUSTOM sofia::reinvite: a bare event (core headers and Unique-ID only)."""
    sw.fire_global(
        "CUSTOM", [("Unique-ID", leg.uuid)], subclass="sofia::reinvite", uuid=leg.uuid,
        calling=REINVITE_CALLING,
    )  # fmt: skip

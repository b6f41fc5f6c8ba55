"""Leg birth and death: the state/event sequences FreeSWITCH fires, in the traces' order."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from . import causes
from .legs import AppFrame, Leg

if TYPE_CHECKING:
    from .switch import SimSwitch


def set_state(sw: SimSwitch, leg: Leg, state: str) -> None:
    leg.state = state
    sw.fire(leg, "CHANNEL_STATE")


def set_callstate(sw: SimSwitch, leg: Leg, call_state: str) -> None:
    old = leg.call_state
    leg.call_state = call_state
    sw.fire(leg, "CHANNEL_CALLSTATE", post=[("Original-Channel-Call-State", old)])


_STAMPS: dict[int, str] = {}


def _stamp(sw: SimSwitch, epoch_us: int) -> str:
    """Local time of `epoch_us` to the second (strftime once per second)."""
    sec = int(epoch_us // 1_000_000)
    text = _STAMPS.get(sec)
    if text is None:
        if len(_STAMPS) > 256:
            _STAMPS.clear()
        text = _STAMPS[sec] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(sec))
    return text


READ_CODEC = ("switch_core_codec.c", "switch_core_session_set_real_read_codec", 189)
WRITE_CODEC = ("switch_core_codec.c", "switch_core_session_set_write_codec", 471)


def media_up(sw: SimSwitch, leg: Leg) -> None:
    """Codecs get set: two CODEC events on a SIP leg (header spelling as in the traces)."""
    if leg.media:
        return
    leg.media = True
    if leg.profile["Source"] != "mod_sofia":
        return
    read = [
        ("channel-read-codec-name", "PCMU"),
        ("channel-read-codec-rate", "8000"),
        ("channel-read-codec-bit-rate", "64000"),
    ]
    write = [
        ("Channel-Write-Codec-Name", "PCMU"),
        ("Channel-Write-Codec-Rate", "8000"),
        ("Channel-Write-codec-bit-rate", "64000"),
    ]
    sw.fire(leg, "CODEC", post=read, variables=False, calling=READ_CODEC)
    sw.fire(leg, "CODEC", post=write, variables=False, calling=WRITE_CODEC)


def pre_answer(sw: SimSwitch, leg: Leg) -> None:
    if leg.times["Progress-Media"] or leg.times["Answered"]:
        return
    twin = leg.twin  # mod_loopback, INDICATE_PROGRESS on -b: mark_pre_answered on -a
    if twin is not None and leg.direction == "inbound" and not twin.hungup:
        pre_answer(sw, twin)
    media_up(sw, leg)
    leg.times["Progress-Media"] = sw.clock.epoch_us()
    sw.fire(leg, "CHANNEL_PROGRESS_MEDIA")
    leg.answer_state = "early"
    set_callstate(sw, leg, "EARLY")
    leg.wake.set()  # an originate waiting for early media (originate._wait_answer)


def answer(sw: SimSwitch, leg: Leg, progress: bool = True) -> None:
    """Mark answered; a loopback -b leg answers its -a twin first."""
    if leg.times["Answered"] or leg.hungup:
        return
    twin = leg.twin
    if twin is not None and leg.direction == "inbound" and not twin.times["Answered"]:
        answer(sw, twin, progress=False)
    if progress and leg.profile["Source"] == "mod_sofia":
        pre_answer(sw, leg)
    media_up(sw, leg)
    leg.times["Answered"] = sw.clock.epoch_us()
    leg.answer_state = "answered"
    sw.fire(leg, "CHANNEL_ANSWER")
    set_callstate(sw, leg, "ACTIVE")
    leg.wake.set()


def mark_hangup(sw: SimSwitch, leg: Leg, cause: str) -> None:
    leg.hungup = True
    leg.cause = cause
    leg.answer_state = "hangup"
    leg.times["Hangup"] = sw.clock.epoch_us()
    leg.set_var("hangup_cause", cause)
    leg.set_var("hangup_cause_q850", str(causes.q850(cause)))
    sw.fire(leg, "CHANNEL_HANGUP", post=[])
    sw.flush_api_event()
    for conn in list(leg.tied):
        conn.leg_hungup(leg, stage="hangup")
    for watcher in list(leg.watchers):
        watcher.wake.set()
    leg.wake.set()


def complete_frame(sw: SimSwitch, leg: Leg, frame: AppFrame, response: str = "_none_") -> None:
    if frame.completed:
        return
    frame.completed = True
    leg.set_var("current_application_data", frame.data)
    leg.set_var("current_application", frame.app)
    if response != "_none_":
        leg.set_var("current_application_response", response)
    post = [("Application", frame.app)]
    if frame.data:
        post.append(("Application-Data", frame.data))
    post.append(("Application-Response", response))
    if frame.app_uuid:
        post.append(("Application-UUID", frame.app_uuid))
    sw.fire(leg, "CHANNEL_EXECUTE_COMPLETE", post=post, at=frame.complete_at)


def end_park(sw: SimSwitch, leg: Leg) -> None:
    """Leave park now (for uuid_bridge / transfer / hangup): UNPARK + EXECUTE_COMPLETE."""
    if leg.bare_parked:  # parked by park_after_bridge, not by the park app
        leg.bare_parked = False
        sw.fire(leg, "CHANNEL_UNPARK")
    for frame in reversed(leg.frames):
        if frame.parked and not frame.completed:
            sw.fire(leg, "CHANNEL_UNPARK")
            complete_frame(sw, leg, frame)
            frame.parked = False
    leg.unpark_requested = True
    leg.wake.set()


def unwind(sw: SimSwitch, leg: Leg) -> None:
    """Finish every running app, innermost first, then stop media bugs."""
    if leg.bare_parked:
        leg.bare_parked = False
        sw.fire(leg, "CHANNEL_UNPARK")
    for frame in reversed(list(leg.frames)):
        if frame.completed:
            continue
        for cb in frame.on_hangup:
            cb()
        if frame.parked:
            sw.fire(leg, "CHANNEL_UNPARK")
        complete_frame(sw, leg, frame)
    for rec in list(leg.recordings.values()):
        rec.stop(cause="success")
    from .apps import avmd  # the apps import this module

    avmd.on_hangup(sw, leg)


def _cdr_vars(sw: SimSwitch, leg: Leg) -> None:
    t = leg.times
    start, ans, end = t["Created"], t["Answered"], t["Hangup"] or sw.clock.epoch_us()
    v = leg.set_var
    v("digits_dialed", leg.digits_dialed or "none")
    v("start_stamp", _stamp(sw, start))
    if ans:
        v("answer_stamp", _stamp(sw, ans))
    v("end_stamp", _stamp(sw, end))
    v("start_epoch", str(start // 1_000_000))
    v("start_uepoch", str(start))
    v("answer_epoch", str(ans // 1_000_000))
    v("answer_uepoch", str(ans))
    v("bridge_epoch", str(t["Bridged"] // 1_000_000))
    v("bridge_uepoch", str(t["Bridged"]))
    v("end_epoch", str(end // 1_000_000))
    v("end_uepoch", str(end))
    billus = end - ans if ans else 0
    v("caller_id", f'"{leg.profile["Caller-ID-Name"]}" <{leg.profile["Caller-ID-Number"]}>')
    v("duration", str((end - start) // 1_000_000))
    v("billsec", str(billus // 1_000_000))
    v("mduration", str((end - start) // 1000))
    v("billmsec", str(billus // 1000))
    v("uduration", str(end - start))
    v("billusec", str(billus))
    if leg.profile["Source"] == "mod_sofia":
        v("sip_hangup_disposition", leg.variables.get("sip_hangup_disposition", "send_bye"))


def state_hangup(sw: SimSwitch, leg: Leg) -> None:
    set_state(sw, leg, "CS_HANGUP")
    set_callstate(sw, leg, "HANGUP")


def state_reporting(sw: SimSwitch, leg: Leg) -> None:
    set_state(sw, leg, "CS_REPORTING")


def hangup_complete(sw: SimSwitch, leg: Leg) -> None:
    _cdr_vars(sw, leg)
    sw.fire(leg, "CHANNEL_HANGUP_COMPLETE", pre=[("Hangup-Cause", leg.cause)])
    for conn in list(leg.tied):
        conn.leg_hungup(leg, stage="complete")


def destroy_event(sw: SimSwitch, leg: Leg) -> bool:
    """CHANNEL_DESTROY, unless a tied ESL connection still holds the leg (then deferred)."""
    if leg.tied:
        leg.destroy_deferred = True
        return False
    sw.fire(leg, "CHANNEL_DESTROY")
    return True


def destroy_state(sw: SimSwitch, leg: Leg) -> None:
    if getattr(leg, "destroy_deferred", False) and leg.tied:
        return
    leg.state = "CS_DESTROY"
    sw.fire(leg, "CHANNEL_STATE")
    sw.forget(leg)


def destroy(sw: SimSwitch, leg: Leg) -> None:
    if destroy_event(sw, leg):
        destroy_state(sw, leg)


def release_tie(sw: SimSwitch, leg: Leg, conn: object) -> None:
    """A tied connection closed: a deferred destroy can now happen."""
    if conn in leg.tied:
        leg.tied.remove(conn)
    if not leg.tied and getattr(leg, "destroy_deferred", False):
        leg.destroy_deferred = False
        destroy(sw, leg)


def hangup(sw: SimSwitch, leg: Leg, cause: str) -> None:
    """Hang up a leg and whatever dies with it, in the order FreeSWITCH fires the events."""
    if leg.hungup:
        return
    cause = causes.normalize(cause)
    hook = leg.hangup_hook  # an app that ends its own way (att_xfer)
    if hook is not None and hook(cause):
        return
    peer = leg.peer if leg.peer is not None and not leg.peer.hungup else None
    if peer is not None:
        from . import bridge_end  # it builds on this module

        bridge_end.hangup_bridged(sw, leg, peer, cause)
    else:
        hangup_alone(sw, leg, cause)


def twin_of(leg: Leg) -> Leg | None:
    t = leg.twin
    return t if t is not None and not t.hungup else None


def hangup_alone(sw: SimSwitch, leg: Leg, cause: str) -> None:
    twin = twin_of(leg)
    mark_hangup(sw, leg, cause)
    unwind(sw, leg)
    state_hangup(sw, leg)
    if twin is None:
        state_reporting(sw, leg)
        hangup_complete(sw, leg)
        destroy(sw, leg)
        return
    # loopback pair (eavesdrop trace): x dies, then its twin y
    mark_hangup(sw, twin, cause)
    state_reporting(sw, leg)
    hangup_complete(sw, leg)
    unwind(sw, twin)
    state_hangup(sw, twin)
    state_reporting(sw, twin)
    hangup_complete(sw, twin)
    destroy(sw, twin)
    destroy(sw, leg)

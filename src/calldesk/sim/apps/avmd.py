"""mod_avmd: avmd_start / avmd_stop and beep detection, as in the avmd-beep trace.

- Default config (`outbound_channel=1`, `inbound_channel=0`): avmd works only on an outbound leg
  and listens to its read side (what the far end sends). `inbound_channel=1,outbound_channel=0`
  in the app data makes it work on an inbound leg's write side instead.
- Each avmd::* event is fired bare (Event-Subclass first, Unique-ID, Call-command, fields), then
  queued to the leg and re-fired with the same Event-Sequence when the leg dequeues it, with the
  channel headers added (so two Unique-ID headers).
- avmd::stop only comes from avmd_stop or `api avmd <uuid> stop`; a hangup with avmd running
  fires only MEDIA_BUG_STOP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import gevent

from ..executor import app
from ..legheaders import leg_block
from ..legs import AppFrame, Leg

if TYPE_CHECKING:
    from ..events import SimEvent
    from ..switch import SimSwitch

BUG = [("Media-Bug-Function", "avmd"), ("Media-Bug-Target", "N/A")]
CALLING = ("mod_avmd.c", "avmd_fire_event", 700)
DETECT_DELAY = 0.06  # avmd::beep came 60 ms after the tone started (avmd-beep line 33)


@dataclass
class AvmdState:
    started_us: int
    reads: bool  # outbound mode: hears the far end; inbound mode: hears what is written
    detected: bool = False


def _fire(sw: SimSwitch, leg: Leg, subclass: str, fields: list[tuple[str, str]]) -> None:
    post = [("Unique-ID", leg.uuid), ("Call-command", "avmd")] + fields
    ev = sw.fire_global("CUSTOM", post, subclass=subclass, uuid=leg.uuid, calling=CALLING)
    leg.session_events.append(lambda: _refire(sw, leg, ev))
    leg.poke()


def _refire(sw: SimSwitch, leg: Leg, bare: SimEvent) -> None:
    """The copy the session fires when it dequeues the event: same sequence, channel headers."""
    sw.refire(bare, leg_block(leg, "CUSTOM", variables=True))


def start(sw: SimSwitch, leg: Leg, data: str = "") -> bool:
    opts = dict(o.split("=", 1) for o in data.replace(" ", "").split(",") if "=" in o)
    inbound = opts.get("inbound_channel", "0") in ("1", "true")
    outbound = opts.get("outbound_channel", "0" if inbound else "1") in ("1", "true")
    ok = (outbound and leg.direction == "outbound") or (inbound and leg.direction == "inbound")
    if not ok or leg.avmd is not None:
        sw.log_line(
            leg, 3, f"avmd: channel [{leg.name}] is not {'inbound' if inbound else 'outbound'}"
        )
        return False
    now = sw.clock.epoch_us()
    leg.avmd = AvmdState(now, reads=outbound)
    sw.fire(leg, "MEDIA_BUG_START", pre=BUG)
    _fire(sw, leg, "avmd::start", [("Start-time", str(now))])
    return True


def stop(sw: SimSwitch, leg: Leg) -> bool:
    st = leg.avmd
    if st is None:
        return False
    total = sw.clock.epoch_us() - st.started_us
    status = "DETECTED" if st.detected else "NOTDETECTED"
    _fire(sw, leg, "avmd::stop", [("Beep-Status", status), ("Total-time", str(total))])
    leg.avmd = None
    sw.fire(leg, "MEDIA_BUG_STOP", pre=BUG)
    return True


def on_hangup(sw: SimSwitch, leg: Leg) -> None:
    """The media bug goes with the leg: MEDIA_BUG_STOP and no avmd::stop."""
    if leg.avmd is not None:
        leg.avmd = None
        sw.fire(leg, "MEDIA_BUG_STOP", pre=BUG)


def _detect(sw: SimSwitch, leg: Leg, freq: float, still_sounding: object) -> None:
    sw.clock.sleep(DETECT_DELAY)
    st = leg.avmd
    if st is None or st.detected or leg.hungup or not still_sounding():  # type: ignore[operator]
        return
    st.detected = True
    leg.set_var("avmd_detect", "TRUE")
    elapsed = sw.clock.epoch_us() - st.started_us
    _fire(
        sw,
        leg,
        "avmd::beep",
        [
            ("Beep-Status", "DETECTED"),
            ("Frequency", f"{freq:f}"),
            ("Frequency-variance", "0.000018"),
            ("Amplitude", "14401.345206"),
            ("Amplitude-variance", "27176.962574"),
            ("Detection-time", str(elapsed)),
            ("Detector-resolution", "1"),
            ("Detector-offset", "0"),
            ("Detector-index", "0"),
        ],
    )


def tone_sent(sw: SimSwitch, source: Leg, freq: float, still_sounding: object) -> None:
    """`source` writes a tone (a playback): who hears it with avmd running?"""
    for leg in (source.twin,):  # a loopback -a leg reads what its -b twin plays
        if leg is not None and leg.avmd is not None and leg.avmd.reads:
            gevent.spawn(_detect, sw, leg, freq, still_sounding)
    if source.avmd is not None and not source.avmd.reads:  # inbound mode: the write side
        gevent.spawn(_detect, sw, source, freq, still_sounding)


def far_end_beep(sw: SimSwitch, leg: Leg, freq: float = 1000.0) -> None:
    """The phone behind `leg` beeps (answering machine): the leg reads it; its bridged peer
    writes it (heard only by an inbound-mode avmd on the peer)."""
    if leg.avmd is not None and leg.avmd.reads:
        gevent.spawn(_detect, sw, leg, freq, lambda: True)
    peer = leg.peer
    if peer is not None and peer.avmd is not None and not peer.avmd.reads:
        gevent.spawn(_detect, sw, peer, freq, lambda: True)


@app("avmd_start")
def avmd_start(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    start(sw, leg, data)


@app("avmd_stop")
def avmd_stop(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    stop(sw, leg)

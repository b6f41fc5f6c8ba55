"""playback, say, uuid_broadcast's playback: PLAYBACK_START/STOP with simulated durations."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .. import media
from ..executor import app, fire_one_dtmf
from ..legs import AppFrame, Leg, LegGone
from . import avmd

if TYPE_CHECKING:
    from ..switch import SimSwitch


def play(
    sw: SimSwitch,
    leg: Leg,
    path: str,
    frame: AppFrame,
    terminators: str = "",
    collect: bool = False,
    seconds: float | None = None,
) -> tuple[str, list[str]]:
    """Play `path` for its simulated duration. Returns (status, digits seen).

    Digits are dequeued as they arrive (one DTMF event each). A terminator digit stops the
    playback; with `collect` any digit stops it (prompt of play_and_get_digits / read).
    """
    secs = sw.playback_seconds(path) if seconds is None else seconds
    file_hdr = [("Playback-File-Path", path)]
    sw.fire(leg, "PLAYBACK_START", post=file_hdr)
    start = sw.clock.now()
    status, seen = "done", []
    stopped = {"done": False}
    freq = tone_frequency(path)
    if freq:
        avmd.tone_sent(sw, leg, freq, lambda: not stopped["done"])

    def on_hangup() -> None:
        if not stopped["done"]:
            stopped["done"] = True
            _finish(sw, leg, path, sw.clock.now() - start, "break")

    frame.on_hangup.append(on_hangup)
    try:
        while True:
            remaining = secs - (sw.clock.now() - start)
            why = leg.wait(remaining, dtmf=True)
            if why == "hangup":
                raise LegGone()
            if why == "timeout":
                break
            if why in ("break", "unpark"):
                leg.break_requested = False
                status = "break"
                break
            if why == "dtmf":
                if not collect:
                    leg.sleep(0.02)
                digit = fire_one_dtmf(sw, leg)
                if digit is None:
                    continue
                seen.append(digit)
                if collect or digit in terminators:
                    if not collect:
                        leg.set_var("playback_terminator_used", digit)
                    status = "break"
                    break
    finally:
        frame.on_hangup.remove(on_hangup)
    if not stopped["done"]:
        stopped["done"] = True
        _finish(sw, leg, path, min(secs, sw.clock.now() - start), status)
    return status, seen


_TONE = re.compile(r"%\(\d+,\d+,(\d+(?:\.\d+)?)")


def tone_frequency(path: str) -> float | None:
    """The first frequency of a `tone_stream://%(on,off,freq...)`, else None."""
    m = _TONE.search(path) if path.startswith("tone_stream://") else None
    return float(m.group(1)) if m else None


def _finish(sw: SimSwitch, leg: Leg, path: str, played: float, status: str) -> None:
    ms = int(round(played * 1000 / 20.0)) * 20  # whole 20 ms frames, as FreeSWITCH counts
    samples = ms * 8
    leg.set_var("playback_last_offset_pos", str(samples))
    leg.set_var("playback_seconds", str(ms // 1000))
    leg.set_var("playback_ms", str(ms))
    leg.set_var("playback_samples", str(samples))
    sw.fire(leg, "PLAYBACK_STOP", post=[("Playback-File-Path", path), ("Playback-Status", status)])


def _terminators(leg: Leg) -> str:
    t = leg.variables.get("playback_terminators", "")
    return "" if t == "none" else t


@app("playback")
def playback(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> str:
    play(sw, leg, data, frame, terminators=_terminators(leg))
    return "FILE PLAYED"


@app("endless_playback")
def endless_playback(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> str:
    """mod_dptools.c endless_playback_function: `while (switch_channel_ready(channel))` it
    plays the file again, on SUCCESS and on BREAK alike, so `uuid_break` only restarts the file.
    It ends when the channel stops being ready: a hangup (LegGone) or a bridge or transfer
    (CF_TRANSFER; the sim's unpark)."""
    while True:
        play(sw, leg, data, frame)
        if leg.unpark_requested:
            return "FILE PLAYED"


@app("gentones")
def gentones(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    leg.sleep(media.tone_stream_seconds("tone_stream://" + data) or 0.5)

"""mod_dptools' `detect_audio` and `detect_silence` (`<threshold> <hits> <timeout_ms>`) on what
the simulated callee sends (`PhoneBehavior.audio_segments`), as switch_ivr_async.c runs them:
detect_audio returns after more than `hits` consecutive 20 ms frames at or over the threshold
(setting `detect_audio_timeout=false`), detect_silence after more than `hits` frames at or
under it (`detect_silence_timeout=false`); at the timeout each sets `<app>_timeout=true` and
`<app>_hits`. Neither fires an event of its own: the outcome is in the channel variables of
CHANNEL_EXECUTE_COMPLETE."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..executor import app
from ..legs import AppFrame, Leg
from ..virtual.amd_callees import detect

if TYPE_CHECKING:
    from ..switch import SimSwitch

SPEECH_ENERGY = 1500  # mean absolute sample value of a speech or beep frame
SILENCE_ENERGY = 20


def _run(sw: SimSwitch, leg: Leg, data: str, name: str) -> None:
    try:
        thresh, hits, timeout_ms = (int(x) for x in data.split()[:3])
    except ValueError:
        sw.log_line(leg, 3, f"{name}: expected <threshold> <hits> <timeout_ms>, got {data!r}")
        return
    phone = leg.phone
    segs = phone.audio_segments() if phone is not None else [("silence", 3600.0)]
    loud = name == "detect_audio"
    if (loud and thresh > SPEECH_ENERGY) or (not loud and thresh < SILENCE_ENERGY):
        segs = [("beep" if not loud else "silence", 3600.0)]  # nothing crosses the threshold
    answered = leg.times["Answered"] / 1e6 if leg.times["Answered"] else sw.clock.epoch()
    ran, timed_out = detect(segs, sw.clock.epoch() - answered, loud, hits, timeout_ms / 1000)
    leg.sleep(ran)
    leg.set_var(f"{name}_timeout", "true" if timed_out else "false")
    if timed_out:
        leg.set_var(f"{name}_hits", "0")


@app("detect_audio")
def detect_audio(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    _run(sw, leg, data, "detect_audio")


@app("detect_silence")
def detect_silence(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    _run(sw, leg, data, "detect_silence")

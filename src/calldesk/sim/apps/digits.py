"""play_and_get_digits and read: prompt, then collect DTMF with terminators and timeouts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..executor import app, fire_one_dtmf
from ..legs import AppFrame, Leg, LegGone
from .playback import play

if TYPE_CHECKING:
    from ..switch import SimSwitch


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def collect(
    sw: SimSwitch,
    leg: Leg,
    frame: AppFrame,
    prompt: str,
    max_digits: int,
    terminators: str,
    first_timeout: float,
    digit_timeout: float,
) -> tuple[str, str | None, bool]:
    """One attempt: (digits, terminator used, timed out)."""
    digits = ""
    if prompt and prompt != "silence":  # switch_ivr_read skips only the literal `silence`
        _, seen = play(sw, leg, prompt, frame, collect=True)
        for d in seen:
            if d in terminators:
                return digits, d, False
            digits += d
            if len(digits) >= max_digits:
                return digits, None, False
    while len(digits) < max_digits:
        timeout = first_timeout if not digits else digit_timeout
        why = leg.wait(timeout, dtmf=True)
        if why == "hangup":
            raise LegGone()
        if why == "timeout":
            return digits, None, True
        if why in ("break", "unpark"):
            leg.break_requested = False
            return digits, None, True
        fired = fire_one_dtmf(sw, leg)
        if fired is None:
            continue
        if fired in terminators:
            return digits, fired, False
        digits += fired
    return digits, None, False


@app("play_and_get_digits")
def play_and_get_digits(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    """`min max tries timeout terminators file invalid_file var regexp [digit_timeout]`."""
    a = data.split(" ")
    if len(a) < 8:
        sw.log_line(leg, 3, f"play_and_get_digits: bad arguments {data!r}")
        return
    mn, mx, tries, timeout_ms = _int(a[0], 0), _int(a[1], 1), _int(a[2], 1), _int(a[3], 5000)
    terms, prompt, invalid, var = a[4], a[5], a[6], a[7]
    regex = a[8] if len(a) > 8 else ""
    digit_timeout_ms = _int(a[9], timeout_ms) if len(a) > 9 else timeout_ms
    terms = "" if terms == "none" else terms
    result, digits = "timeout", ""
    for _ in range(max(1, tries)):
        digits, used, timed_out = collect(
            sw, leg, frame, prompt, mx, terms, timeout_ms / 1000, digit_timeout_ms / 1000
        )
        if used:
            leg.set_var("read_terminator_used", used)
        ok = len(digits) >= mn and (not regex or re.search(regex, digits) is not None)
        if ok and digits != "" or (ok and mn == 0 and used):
            result = "success"
            break
        result = "timeout" if timed_out and not digits else "failure"
        # switch_play_and_get_digits plays the invalid file after every failed try, a
        # no-input one included (an endless `silence_stream://0` never returns); `none` is no
        # file at all, which FreeSWITCH fails to open at once.
        if invalid and invalid != "none":
            play(sw, leg, invalid, frame)
    leg.set_var("read_result", result)
    if result == "success":
        leg.set_var(var, digits)
    else:
        leg.variables.pop(var, None)


@app("read")
def read(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    """`min max sound_file variable_name timeout terminators`."""
    a = data.split(" ")
    if len(a) < 4:
        sw.log_line(leg, 3, f"read: bad arguments {data!r}")
        return
    mn, mx, prompt, var = _int(a[0], 0), _int(a[1], 1), a[2], a[3]
    timeout_ms = _int(a[4], 5000) if len(a) > 4 else 5000
    terms = a[5] if len(a) > 5 else "#"
    digits, used, timed_out = collect(
        sw, leg, frame, prompt, mx, terms, timeout_ms / 1000, timeout_ms / 1000
    )
    if used:
        leg.set_var("read_terminator_used", used)
    if len(digits) >= mn and digits:
        result = "success"
    else:
        result = "timeout" if timed_out else "failure"
    leg.set_var("read_result", result)
    leg.set_var(var, digits)

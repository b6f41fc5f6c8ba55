"""answer, pre_answer, ring_ready, park, set, export, unset, sleep, hangup, log, info."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import lifecycle
from ..executor import app, hold_loop
from ..legs import AppFrame, Leg

if TYPE_CHECKING:
    from ..switch import SimSwitch


@app("answer")
def answer(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    lifecycle.answer(sw, leg)


@app("pre_answer")
def pre_answer(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    lifecycle.pre_answer(sw, leg)


@app("ring_ready")
def ring_ready(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    if not leg.times["Progress"]:
        leg.times["Progress"] = sw.clock.epoch_us()
        sw.fire(leg, "CHANNEL_PROGRESS")


@app("park")
def park(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    frame.parked = True
    sw.fire(leg, "CHANNEL_PARK")
    hold_loop(sw, leg)


def _split_assignment(data: str) -> tuple[str, str]:
    name, _, value = data.partition("=")
    return name.strip(), value


@app("set")
def set_(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    name, value = _split_assignment(data)
    if name:
        if value == "":
            leg.variables.pop(name, None)
        else:
            leg.set_var(name, value)


@app("export")
def export(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    name, value = _split_assignment(data)
    if not name:
        return
    leg.set_var(name, value)
    names = [n for n in leg.variables.get("export_vars", "").split(",") if n]
    if name not in names:
        names.append(name)
    leg.set_var("export_vars", ",".join(names))
    if leg.peer is not None:
        leg.peer.set_var(name, value)


@app("unset")
def unset(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    leg.variables.pop(data.strip(), None)


@app("sleep")
def sleep(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    try:
        ms = int(data.strip() or "0")
    except ValueError:
        ms = 0
    leg.sleep(ms / 1000.0)


@app("hangup")
def hangup(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    lifecycle.hangup(sw, leg, data.strip() or "NORMAL_CLEARING")


@app("log")
def log_(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    sw.log_line(leg, 6, data)


@app("info")
def info(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    return None

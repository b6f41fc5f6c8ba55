"""eavesdrop and three_way, with the DTMF mode switching of switch_ivr_eavesdrop_session.

Flags (README table): ED_MUX_WRITE -> the eavesdropped leg (target) hears the supervisor;
ED_MUX_READ -> the target's bridge peer hears. Digits: 2 = WRITE only, 1 = READ only, 3 = both,
0 = neither, * = leave. `eavesdrop_whisper_aleg` sets READ, `eavesdrop_whisper_bleg` WRITE
(mod_dptools.c); `eavesdrop_enable_dtmf=false` disables digits. The loop also dequeues session
events: an `eavesdrop-command: <chars>` header applies the same characters without any DTMF
(switch_ivr_async.c); ESL delivers such an event with `sendevent` + `unique-id: <leg>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..executor import app, fire_one_dtmf
from ..legs import AppFrame, Leg, LegGone

if TYPE_CHECKING:
    from ..switch import SimSwitch

TRUE = ("true", "yes", "on", "1", "t", "y", "enabled", "active", "allow")


@dataclass
class EavesdropState:
    target: str
    mux_read: bool = False
    mux_write: bool = False
    dtmf: bool = True

    @property
    def mode(self) -> str:
        """listen | target (2) | peer (1) | both (3)."""
        if self.mux_read and self.mux_write:
            return "both"
        if self.mux_write:
            return "target"
        if self.mux_read:
            return "peer"
        return "listen"

    def as_dict(self) -> dict[str, object]:
        return {
            "target": self.target,
            "mode": self.mode,
            "target_hears": self.mux_write,
            "peer_hears": self.mux_read,
            "dtmf": self.dtmf,
        }

    def digit(self, d: str) -> bool:
        """Apply one digit; False means leave the eavesdrop (`*`)."""
        if d == "*":
            return False
        if d == "2":
            self.mux_write, self.mux_read = True, False
        elif d == "1":
            self.mux_write, self.mux_read = False, True
        elif d == "3":
            self.mux_write = self.mux_read = True
        elif d == "0":
            self.mux_write = self.mux_read = False
        return True


def _true(v: str | None) -> bool:
    return (v or "").strip().lower() in TRUE


def run_eavesdrop(
    sw: SimSwitch, leg: Leg, target: Leg, frame: AppFrame, st: EavesdropState
) -> None:
    bug = [("Media-Bug-Function", "eavesdrop"), ("Media-Bug-Target", target.uuid)]
    leg.eavesdrop = st
    sw.fire(target, "MEDIA_BUG_START", pre=bug)
    stopped = {"done": False}

    def stop() -> None:
        if not stopped["done"]:
            stopped["done"] = True
            if not target.hungup or target.state != "CS_DESTROY":
                sw.fire(target, "MEDIA_BUG_STOP", pre=bug)

    frame.on_hangup.append(stop)
    target.watchers.append(leg)
    try:
        while not target.hungup:
            why = leg.wait(None, dtmf=True, events=True)
            if why == "hangup":
                raise LegGone()
            if why in ("break", "unpark"):
                leg.break_requested = False
                break
            if why == "event":  # `sendevent` with `eavesdrop-command`: no DTMF, no ED_DTMF needed
                ev = {k.lower(): v for k, v in leg.event_queue.popleft().items()}
                if not all(st.digit(c) for c in ev.get("eavesdrop-command", "")):
                    break
                continue
            if why == "dtmf":
                leg.sleep(0.02)
                d = fire_one_dtmf(sw, leg)
                if d is not None and st.dtmf and not st.digit(d):
                    break
    finally:
        if leg in target.watchers:
            target.watchers.remove(leg)
        frame.on_hangup.remove(stop)
        leg.eavesdrop = None
    stop()


@app("eavesdrop")
def eavesdrop(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> str | None:
    target = sw.legs.get(data.strip())
    if target is None or target.hungup:
        return "no-target"
    lifecycle_answer(sw, leg)
    enable = leg.variables.get("eavesdrop_enable_dtmf")
    st = EavesdropState(
        target.uuid,
        mux_read=_true(leg.variables.get("eavesdrop_whisper_aleg")),
        mux_write=_true(leg.variables.get("eavesdrop_whisper_bleg")),
        dtmf=True if enable is None else _true(enable),
    )
    run_eavesdrop(sw, leg, target, frame, st)
    return None


@app("three_way")
def three_way(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> str | None:
    target = sw.legs.get(data.strip())
    if target is None or target.hungup:
        return "no-target"
    lifecycle_answer(sw, leg)
    run_eavesdrop(sw, leg, target, frame, EavesdropState(target.uuid, True, True, dtmf=False))
    return None


def lifecycle_answer(sw: SimSwitch, leg: Leg) -> None:
    from .. import lifecycle

    lifecycle.answer(sw, leg)

"""bridge (app), uuid_bridge, transfer: joining legs and moving them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import gevent

from .. import executor, lifecycle
from ..executor import app, fire_one_dtmf
from ..legs import AppFrame, Leg, LegGone

if TYPE_CHECKING:
    from ..switch import SimSwitch


def link(sw: SimSwitch, originator: Leg, other: Leg, kind: str) -> None:
    now = sw.clock.epoch_us()
    originator.peer, other.peer = other, originator
    originator.bridge_originator, other.bridge_originator = True, False
    originator.bridge_kind = other.bridge_kind = kind
    for x, y in ((originator, other), (other, originator)):
        x.times["Bridged"] = now
        x.set_var("bridge_to", y.uuid)
        x.set_var("last_bridge_to", y.uuid)
        x.set_var("signal_bond", y.uuid)


def fire_bridge(sw: SimSwitch, originator: Leg, other: Leg) -> None:
    pre = [("Bridge-A-Unique-ID", originator.uuid), ("Bridge-B-Unique-ID", other.uuid)]
    sw.fire(originator, "CHANNEL_BRIDGE", pre=pre)


def uuid_bridge(sw: SimSwitch, a: Leg, b: Leg) -> None:
    """api uuid_bridge: both legs leave park, then one CHANNEL_BRIDGE on `a` (bridge-and-record)."""

    def run() -> None:
        sw.clock.sleep(0.02)
        if a.read_stalls or b.read_stalls:
            # the state change waits for the legs' blocked media reads (no-rtp-bridge trace:
            # +OK at once, CHANNEL_UNPARK/BRIDGE ~5 s later)
            from ..site import READ_STALL

            sw.clock.sleep(READ_STALL)
        if a.hungup or b.hungup:
            return
        from ..bridge_end import rebridged

        for x in (a, b):  # a leg bridged elsewhere leaves that bridge first (switch_ivr_bridge.c)
            old = x.peer
            if old is not None and old is not a and old is not b and not old.hungup:
                rebridged(sw, x, old)
        link(sw, a, b, "uuid")
        for x in (a, b):
            lifecycle.end_park(sw, x)
            x.pending.append(("bridged",))
            for st in ("CS_HIBERNATE", "CS_RESET", "CS_SOFT_EXECUTE"):
                lifecycle.set_state(sw, x, st)
        for x, y in ((a, b), (b, a)):
            sw.fire(
                x,
                "CHANNEL_EXECUTE",
                post=[("Application", "uuid_bridge"), ("Application-Data", y.uuid)],
            )
        fire_bridge(sw, a, b)
        lifecycle.set_state(sw, b, "CS_CONSUME_MEDIA")
        lifecycle.set_state(sw, b, "CS_EXCHANGE_MEDIA")

    gevent.spawn(run)


def bridged_wait(sw: SimSwitch, leg: Leg) -> None:
    """Stay in the bridge until the peer leaves; digits are dequeued as in park."""
    while leg.peer is not None:
        why = leg.wait(None, dtmf=True, until=lambda: leg.peer is None)
        if why == "hangup":
            raise LegGone()
        if why == "dtmf":
            leg.sleep(0.02)
            fire_one_dtmf(sw, leg)
        elif why in ("break", "unpark"):
            leg.break_requested = False
            leg.unpark_requested = False


@app("bridge")
def bridge(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> str | None:
    from ..originate import dial_first, parse_vars, split_dial

    variables, rest = parse_vars(data)
    targets = split_dial(rest)
    callee, cause = dial_first(sw, targets, variables, caller=leg)
    if callee is None:
        leg.set_var("originate_disposition", cause)
        leg.set_var("DIALSTATUS", cause)
        return cause
    if leg.hungup:
        lifecycle.hangup(sw, callee, "ORIGINATOR_CANCEL")
        raise LegGone()
    lifecycle.answer(sw, leg)
    link(sw, leg, callee, "app")
    fire_bridge(sw, leg, callee)
    leg.set_var("originate_disposition", "SUCCESS")
    if callee.executor is None:  # the callee's side of the bridge dequeues its own digits
        callee.pending.append(("bridged",))
        executor.start(sw, callee, [])
    bridged_wait(sw, leg)
    return None


@app("transfer")
def transfer(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    parts = data.split()
    if parts:
        request_transfer(sw, leg, parts[0], parts[2] if len(parts) > 2 else None)


def request_transfer(sw: SimSwitch, leg: Leg, dest: str, context: str | None) -> None:
    """Leave the current app and run the dialplan for `dest` (uuid_transfer)."""
    ctx = context or leg.profile["Context"]
    leg.times["Transfer"] = sw.clock.epoch_us()
    leg.profile["Destination-Number"] = dest
    leg.profile["Context"] = ctx
    leg.pending.append(("transfer", dest, ctx))
    lifecycle.end_park(sw, leg)
    leg.wake.set()

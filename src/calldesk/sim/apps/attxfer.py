"""`att_xfer <dial string>` (mod_dptools.c att_xfer_function), as attended-transfer-att-xfer
recorded: run on the agent (the transferor) while it is bridged to the customer.

The consult leg is originated and bridged to the transferor alone (CHANNEL_BRIDGE on the
transferor, Other-Leg = the consult leg); the customer hears nothing and gets no event. Then:
- the transferor hangs up: the consult leg parks, the customer's bridge ends (UNBRIDGE on the
  customer, other = transferor), the transferor's (UNBRIDGE, other = consult leg), and
  `uuid_bridge <consult> <customer>` joins them (CHANNEL_BRIDGE on the consult leg);
  EXECUTE_COMPLETE(att_xfer) comes after, and the consult leg has `att_xfer_result=success`;
- the consult leg hangs up (the transfer is cancelled): the transferor is bridged back to the
  customer with `uuid_bridge <transferor> <customer>` (source; not recorded).
(att_thread_run in mod_dptools.c; the DTMF keys attxfer_cancel/hangup/conf_key are not simulated.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gevent

from .. import executor, lifecycle
from ..executor import app
from ..legs import AppFrame, Leg, LegGone
from .bridge import uuid_bridge

if TYPE_CHECKING:
    from ..switch import SimSwitch


@app("att_xfer")
def att_xfer(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> str | None:
    from ..originate import dial_first, parse_vars, split_dial

    bond = leg.peer  # the customer, still bridged to this leg throughout the consult
    variables, rest = parse_vars(data)
    lifecycle.set_callstate(sw, leg, "RING_WAIT")  # the transferor hears the consult ring
    callee, cause = dial_first(sw, split_dial(rest), variables, caller=leg)
    lifecycle.set_callstate(sw, leg, "ACTIVE")
    if callee is None:
        return cause
    callee.peer = leg  # the inner bridge: transferor <-> consult leg (one way here)
    leg.peer = callee
    sw.fire(leg, "CHANNEL_BRIDGE", pre=[("Bridge-A-Unique-ID", leg.uuid),
                                        ("Bridge-B-Unique-ID", callee.uuid)])  # fmt: skip
    leg.peer = bond
    callee.pending.append(("bridged",))
    if callee.executor is None:
        executor.start(sw, callee, [])
    done = {"completed": False}

    def transferor_hangs_up(cause: str) -> bool:
        if callee.hungup or bond is None or bond.hungup:
            return False
        lifecycle.mark_hangup(sw, leg, cause)
        gevent.spawn(_complete, sw, leg, callee, bond, frame, done)
        return True

    leg.hangup_hook = transferor_hangs_up  # type: ignore[attr-defined]
    try:
        why = leg.wait(None, dtmf=False, breakable=False, until=lambda: callee.hungup)
        if why == "hangup":
            while not done["completed"] and not leg.destroyed.is_set():
                gevent.sleep(0.005)
            raise LegGone()
        # cancelled: att_thread_run re-bridges the transferor with the customer
        # (`switch_ivr_uuid_bridge(session, bond)`) and sets att_xfer_result on the transferor
        leg.peer = bond
        if bond is not None and not bond.hungup:
            uuid_bridge(sw, leg, bond)
            for _ in range(200):
                if leg.bridge_originator or leg.hungup or bond.hungup:
                    break
                sw.clock.sleep(0.005)
            leg.set_var("att_xfer_result", "success")
        return None
    finally:
        leg.hangup_hook = None  # type: ignore[attr-defined]
        if leg.hungup and not done["completed"] and not callee.hungup and callee.peer is leg:
            callee.peer = None
            lifecycle.hangup(sw, callee, "NORMAL_CLEARING")


def _complete(sw: SimSwitch, leg: Leg, callee: Leg, bond: Leg, frame: AppFrame,
              done: dict[str, bool]) -> None:  # fmt: skip
    sw.clock.sleep(0.02)
    lifecycle.set_state(sw, callee, "CS_PARK")
    callee.bare_parked = True
    sw.fire(callee, "CHANNEL_PARK")
    sw.fire(bond, "CHANNEL_UNBRIDGE")  # other = the transferor
    leg.peer = callee
    sw.fire(leg, "CHANNEL_UNBRIDGE")  # other = the consult leg
    leg.peer = bond.peer = callee.peer = None
    callee.set_var("att_xfer_result", "success")
    uuid_bridge(sw, callee, bond)
    for _ in range(200):
        if callee.peer is bond or callee.hungup or bond.hungup:
            break
        sw.clock.sleep(0.005)
    lifecycle.unwind(sw, leg)  # EXECUTE_COMPLETE(att_xfer)
    lifecycle.state_hangup(sw, leg)
    lifecycle.state_reporting(sw, leg)
    lifecycle.hangup_complete(sw, leg)
    lifecycle.destroy(sw, leg)
    done["completed"] = True

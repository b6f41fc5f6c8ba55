"""A bridged leg transferred out of its bridge (`uuid_transfer`, a phone's REFER), as the
blind-transfer and phone-refer traces recorded.

The leg left behind (the partner of the one transferred) is hung up NORMAL_CLEARING (FreeSWITCH
sends it a BYE); the transferred leg gets CHANNEL_UNBRIDGE, goes back to routing (CALLSTATE
RINGING, CS_ROUTING: the callstate is recomputed, nothing rings), then ACTIVE and CS_EXECUTE, and
runs the dialplan of the new destination. With `park_after_bridge` / `transfer_after_bridge` the
partner lives on instead (switch_ivr_bridge.c audio_bridge_on_exchange_media)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import lifecycle
from ..bridge_end import after_bridge
from ..legs import Leg
from . import hold

if TYPE_CHECKING:
    from ..switch import SimSwitch

TRUE = ("true", "yes", "on", "1")


def transfer_bridged(sw: SimSwitch, leg: Leg, dest: str, context: str, refer: bool = False) -> None:
    """`leg` (bridged) leaves for `dest`@`context`. `refer`: the partner's phone asked (REFER):
    its leg reports HANGUP before the UNBRIDGE and completes after the re-route (phone-refer)."""
    sw.clock.sleep(0.02)
    partner = leg.peer
    if partner is None or leg.hungup:
        from .bridge import request_transfer

        request_transfer(sw, leg, dest, context)
        return
    hold.forget(leg)
    hold.forget(partner)
    stays = (partner.variables.get("park_after_bridge") or "").lower() in TRUE or bool(
        partner.variables.get("transfer_after_bridge")
    )
    _history(sw, leg, dest, context)
    if stays:
        _unbridge(sw, leg, partner)
        after_bridge(sw, partner, "NORMAL_CLEARING", allow_hangup=False)
        reroute(sw, leg, dest, context)
        return
    lifecycle.mark_hangup(sw, partner, "NORMAL_CLEARING")
    lifecycle.unwind(sw, partner)
    lifecycle.state_hangup(sw, partner)
    if not refer:
        lifecycle.state_reporting(sw, partner)
        lifecycle.hangup_complete(sw, partner)
    for x, y in ((leg, partner), (partner, leg)):
        x.set_var("bridge_hangup_cause", "NORMAL_CLEARING")
        x.set_var("last_bridge_hangup_cause", "NORMAL_CLEARING")
        x.set_var("last_bridge_to", y.uuid)
    _unbridge(sw, leg, partner)
    leg.state = "CS_ROUTING"
    lifecycle.set_callstate(sw, leg, "RINGING")
    lifecycle.set_state(sw, leg, "CS_ROUTING")
    if refer:
        lifecycle.state_reporting(sw, partner)
        lifecycle.hangup_complete(sw, partner)
    lifecycle.destroy(sw, partner)
    reroute(sw, leg, dest, context, routed=True)


def _unbridge(sw: SimSwitch, leg: Leg, partner: Leg) -> None:
    originator = leg if leg.bridge_originator else partner
    sw.fire(originator, "CHANNEL_UNBRIDGE")
    leg.peer = partner.peer = None


def _history(sw: SimSwitch, leg: Leg, dest: str, context: str) -> None:
    entry = f"{sw.clock.epoch_us() // 1_000_000}:{leg.uuid}:bl_xfer:{dest}/{context}/XML"
    old = leg.variables.get("transfer_history", "")
    items = old[7:].split("|:") if old.startswith("ARRAY::") else ([old] if old else [])
    leg.set_var("transfer_history", "ARRAY::" + "|:".join([*items, entry]))
    leg.set_var("transfer_source", entry)


def reroute(sw: SimSwitch, leg: Leg, dest: str, context: str, routed: bool = False) -> None:
    if not routed:
        leg.state = "CS_ROUTING"
        lifecycle.set_callstate(sw, leg, "RINGING")
        lifecycle.set_state(sw, leg, "CS_ROUTING")
    lifecycle.set_callstate(sw, leg, "ACTIVE")
    lifecycle.set_state(sw, leg, "CS_EXECUTE")
    leg.times["Transfer"] = sw.clock.epoch_us()
    leg.profile["Destination-Number"] = dest
    leg.profile["Context"] = context
    leg.pending.append(("transfer", dest, context))
    leg.unpark_requested = True
    leg.wake.set()

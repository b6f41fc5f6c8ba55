"""What happens to a bridge when one side hangs up (src/switch_ivr_bridge.c).

`uuid_bridge A B` runs `switch_ivr_multi_threaded_bridge(A, B)` on A's thread
(`uuid_bridge_on_soft_execute`); B sits in `audio_bridge_on_exchange_media`. A is the originator:
CHANNEL_BRIDGE and CHANNEL_UNBRIDGE are fired on A only.

- A (originator) hangs up first (recorded: bridge-and-record). B leaves the bridge in
  `audio_bridge_on_exchange_media`: with `park_after_bridge=true` it parks (CHANNEL_PARK, no app),
  with `transfer_after_bridge` it is transferred, else it is hung up with NORMAL_CLEARING
  (ORIGINATOR_CANCEL if B never answered).
- B (originatee, e.g. the agent) hangs up first (not recorded). `multi_threaded_bridge` returns on
  A's thread: A gets `bridge_hangup_cause` = B's cause and CHANNEL_UNBRIDGE; then, since B had
  answered and A is still up, `park_after_bridge=true` parks A, `transfer_after_bridge` transfers
  it, `hangup_after_bridge=true` hangs A up with B's cause; otherwise `uuid_bridge_on_soft_execute`
  puts A back in CS_EXECUTE, so A runs the rest of its dialplan (after `park` there is none, so it
  is hung up NORMAL_CLEARING, out of dialplan).
- The callee of the `bridge` app hangs up first: the caller's bridge app returns and its dialplan
  goes on.
- A bridged leg is `uuid_bridge`d to a third leg (`rebridged`; a supervisor's takeover): its old
  bridge ends with CHANNEL_UNBRIDGE on the old originator. A left-behind originatee ends in
  `audio_bridge_on_exchange_media` with `clean_exit` unset: parked with `park_after_bridge`,
  transferred with `transfer_after_bridge`, else hung up NORMAL_CLEARING (ORIGINATOR_CANCEL if it
  never answered). A left-behind originator returns from `multi_threaded_bridge` and goes on as
  after any bridge (park, transfer, or the rest of its dialplan).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lifecycle import (
    destroy,
    destroy_event,
    destroy_state,
    hangup,
    hangup_alone,
    hangup_complete,
    mark_hangup,
    set_state,
    state_hangup,
    state_reporting,
    twin_of,
    unwind,
)

if TYPE_CHECKING:
    from .legs import Leg
    from .switch import SimSwitch

TRUE = ("true", "yes", "on", "1", "t", "y")


def _true(leg: Leg, name: str) -> bool:
    return (leg.variables.get(name) or "").strip().lower() in TRUE


def hangup_bridged(sw: SimSwitch, leg: Leg, peer: Leg, cause: str) -> None:
    """`leg` hangs up while bridged to `peer`."""
    if leg.bridge_originator:
        if leg.bridge_kind == "uuid" and _stays(peer):
            _originator_first_peer_stays(sw, leg, peer, cause)
        else:
            _originator_first(sw, leg, peer, cause)
    elif leg.bridge_kind == "uuid":
        _originatee_first(sw, leg, peer, cause)
    else:
        _app_callee_first(sw, leg, peer, cause)


def _stays(leg: Leg) -> bool:
    return _true(leg, "park_after_bridge") or bool(leg.variables.get("transfer_after_bridge"))


def _peer_cause(p: Leg) -> str:
    """audio_bridge_on_exchange_media: NORMAL_CLEARING, or ORIGINATOR_CANCEL if never answered."""
    return "NORMAL_CLEARING" if p.times["Answered"] else "ORIGINATOR_CANCEL"


def _bridge_vars(o: Leg, p: Leg) -> None:
    for x, y in ((o, p), (p, o)):
        if y.cause:
            x.set_var("bridge_hangup_cause", y.cause)
            x.set_var("last_bridge_hangup_cause", y.cause)
        x.set_var("last_bridge_to", y.uuid)


def _peer_gone_then_unbridge(sw: SimSwitch, o: Leg, p: Leg, t: Leg | None) -> None:
    """Shared by both hangup orders: the peer's loopback twin unwinds, the peer completes its
    hangup, then the originator gets the one CHANNEL_UNBRIDGE (bridge-and-record order)."""
    if t is not None:
        unwind(sw, t)
        state_hangup(sw, t)
        state_reporting(sw, t)
    _bridge_vars(o, p)
    hangup_complete(sw, p)
    if t is not None:
        hangup_complete(sw, t)
        destroy(sw, t)
    sw.fire(o, "CHANNEL_UNBRIDGE")
    o.peer = p.peer = None


def _originator_first(sw: SimSwitch, o: Leg, p: Leg, cause: str) -> None:
    """The originator dies; its peer (and the peer's loopback twin) follow (bridge-and-record)."""
    t = twin_of(p)
    peer_cause = _peer_cause(p)
    mark_hangup(sw, o, cause)
    unwind(sw, o)
    mark_hangup(sw, p, peer_cause)
    unwind(sw, p)
    state_hangup(sw, p)
    if t is not None:
        mark_hangup(sw, t, peer_cause)
    state_reporting(sw, p)
    _peer_gone_then_unbridge(sw, o, p, t)
    state_hangup(sw, o)
    state_reporting(sw, o)
    p_destroyed = destroy_event(sw, p)
    hangup_complete(sw, o)
    destroy(sw, o)
    if p_destroyed:
        destroy_state(sw, p)
    own_twin = twin_of(o)
    if own_twin is not None:
        hangup_alone(sw, own_twin, cause)


def _originator_first_peer_stays(sw: SimSwitch, o: Leg, p: Leg, cause: str) -> None:
    """The originator dies; the peer has park_after_bridge / transfer_after_bridge and lives on."""
    mark_hangup(sw, o, cause)
    unwind(sw, o)
    _bridge_vars(o, p)
    sw.fire(o, "CHANNEL_UNBRIDGE")
    o.peer = p.peer = None
    after_bridge(sw, p, cause, allow_hangup=False)
    state_hangup(sw, o)
    state_reporting(sw, o)
    hangup_complete(sw, o)
    destroy(sw, o)
    own_twin = twin_of(o)
    if own_twin is not None:
        hangup_alone(sw, own_twin, cause)


def _originatee_first(sw: SimSwitch, p: Leg, o: Leg, cause: str) -> None:
    """The uuid_bridge originatee (the agent) dies first; the originator decides what's next.
    Both orders are real (issue 10): the agent's CHANNEL_HANGUP first, or the caller's
    CHANNEL_UNBRIDGE first (the originator's bridge loop saw the hangup before the agent's own
    thread fired it); `sw.site` picks one per hangup."""
    if sw.site.next_agent_hangup_order() == "unbridge_first":
        _unbridge_then_hangup(sw, p, o, cause)
        return
    t = twin_of(p)
    mark_hangup(sw, p, cause)
    unwind(sw, p)
    if t is not None:
        mark_hangup(sw, t, cause)
    state_hangup(sw, p)
    state_reporting(sw, p)
    _peer_gone_then_unbridge(sw, o, p, t)
    destroy(sw, p)
    after_bridge(sw, o, cause)


def _unbridge_then_hangup(sw: SimSwitch, p: Leg, o: Leg, cause: str) -> None:
    """The agent-first hangup where CHANNEL_UNBRIDGE (originator) precedes the agent's HANGUP."""
    t = twin_of(p)
    for name in ("bridge_hangup_cause", "last_bridge_hangup_cause"):
        o.set_var(name, cause)
    o.set_var("last_bridge_to", p.uuid)
    p.set_var("last_bridge_to", o.uuid)
    sw.fire(o, "CHANNEL_UNBRIDGE")
    o.peer = p.peer = None
    mark_hangup(sw, p, cause)
    unwind(sw, p)
    if t is not None:
        mark_hangup(sw, t, cause)
    state_hangup(sw, p)
    state_reporting(sw, p)
    if t is not None:
        unwind(sw, t)
        state_hangup(sw, t)
        state_reporting(sw, t)
    hangup_complete(sw, p)
    if t is not None:
        hangup_complete(sw, t)
        destroy(sw, t)
    destroy(sw, p)
    after_bridge(sw, o, cause)


def rebridged(sw: SimSwitch, moved: Leg, left: Leg) -> None:
    """`moved` leaves its bridge with `left` for a new `uuid_bridge`; `left` stays behind."""
    o = moved if moved.bridge_originator else left
    for x, y in ((moved, left), (left, moved)):
        x.set_var("last_bridge_to", y.uuid)
    sw.fire(o, "CHANNEL_UNBRIDGE")
    moved.peer = left.peer = None
    if left is o or _stays(left):
        after_bridge(sw, left, "NORMAL_CLEARING", allow_hangup=False)
    else:
        hangup(sw, left, _peer_cause(left))


def after_bridge(sw: SimSwitch, leg: Leg, cause: str, allow_hangup: bool = True) -> None:
    """A surviving uuid-bridged leg: park, transfer, hang up, or back to its dialplan."""
    if _true(leg, "park_after_bridge"):
        set_state(sw, leg, "CS_PARK")
        leg.bare_parked = True
        sw.fire(leg, "CHANNEL_PARK")  # stays in its hold loop, parked
        return
    where = leg.variables.get("transfer_after_bridge")
    if where:
        from .apps.bridge import request_transfer

        leg.variables.pop("transfer_after_bridge", None)
        parts = where.split(":")
        request_transfer(sw, leg, parts[0], parts[2] if len(parts) > 2 else None)
        return
    if allow_hangup and _true(leg, "hangup_after_bridge"):
        hangup(sw, leg, cause)
        return
    set_state(sw, leg, "CS_EXECUTE")
    leg.unpark_requested = True  # leave the bridged hold: the rest of its dialplan runs
    leg.wake.set()


def _app_callee_first(sw: SimSwitch, callee: Leg, caller: Leg, cause: str) -> None:
    """The callee of a `bridge` app hangs up: the caller's bridge ends, its dialplan goes on."""
    mark_hangup(sw, callee, cause)
    unwind(sw, callee)
    state_hangup(sw, callee)
    state_reporting(sw, callee)
    caller.set_var("last_bridge_hangup_cause", cause)
    caller.set_var("bridge_hangup_cause", cause)
    hangup_complete(sw, callee)
    sw.fire(caller, "CHANNEL_UNBRIDGE")
    caller.peer = callee.peer = None
    caller.wake.set()
    destroy(sw, callee)

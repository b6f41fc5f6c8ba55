"""The voice adapter: the engine's decisions carried out on the switches, and legs reported back.

Offer -> `bgapi originate` of the agent leg into park (caller ID `<queue>: <customer>`, the
`calldesk_*` variables naming role, agent, interaction and offer, `originate_timeout` = what is
left of the lease); `+OK` -> OfferAccepted, then `uuid_bridge caller agent`; `-ERR <cause>` ->
OfferRefused(no_answer | busy | reject | unreachable). Cancel -> kill the agent leg (or kill it
as soon as it shows up). Announce -> break MOH, say the position, MOH again (one sequence per
caller leg at a time, see media.py). Overflow -> the caller leg is detached from the ACD first
(so its hangup is no abandon), then `on_overflow` may take it (a flow runs on the leg);
otherwise a voicemail/flow target is a transfer, callback/exit hang up. DialCallback ->
`callbacks.py`. Leg events reach it through `watch` (legwatch.py), which the wiring subscribes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gevent
import gevent.event

from calldesk.acd import Announce, Cancel, DialCallback, Ignored, Offer, Overflow
from calldesk.acd import events as ev
from calldesk.acd.decisions import Decision
from calldesk.acd.interaction import InteractionState as S
from calldesk.engine.adapter import ReconcileAbsent, Repair
from calldesk.engine.engine import Engine
from calldesk.errors import CalldeskError, CommandRefused
from calldesk.interactions import EnqueueRequest, Interactions
from calldesk.telephony.legs import LegRef, event_time
from calldesk.telephony.switchboard import Switchboard
from calldesk.voice.callbacks import CallbackDialer
from calldesk.voice.causes import offer_cause, parse_job
from calldesk.voice.learn import LegVariables
from calldesk.voice.legmaps import LegMaps, Ring
from calldesk.voice.legwatch import LegGone, LegWatch
from calldesk.voice.media import Voice
from calldesk.voice.reconcile import LegCheck, reconcile

log = logging.getLogger(__name__)
_CID_BAD = str.maketrans("", "", "{}[]'\"\r\n\0")

# (Overflow decision, caller leg or None) -> True if it took the leg.
OverflowHook = Callable[[Overflow, LegRef | None], bool]


def _cid(text: str) -> str:
    """A dial-string-safe caller ID: FreeSWITCH splits `originate`'s arguments on spaces, even
    inside `{…}`, so `sales: +1555…` is sent as `sales:+1555…` (other spaces become `_`)."""
    return text.translate(_CID_BAD).replace(": ", ":").replace(" ", "_")


class VoiceAdapter:
    def __init__(
        self,
        engine: Engine,
        board: Switchboard,
        *,
        on_overflow: OverflowHook | None = None,
        dial: Callable[..., Any] | None = None,
        interactions: Interactions | None = None,
    ) -> None:
        self.engine, self.board = engine, board
        self.view, self.settings, self.clock = engine.view, engine.settings, engine.clock
        self.post = engine.post
        self.media = Voice(board, self.settings)
        self.maps = LegMaps(engine.persist)
        self.interactions = interactions
        self.on_overflow = on_overflow
        self.watch = LegWatch(self.maps, self.view, self.post, self.media, self.clock,
                              on_answer=self._answered, on_bridge=self._bridge_seen)
        # caller leg -> (interaction, agent leg, token): bridges sent, not yet confirmed
        self.bridging: dict[str, tuple[str, str, int]] = {}
        self._bridge_n = 0
        self.callbacks = CallbackDialer(self.maps, self.media, self.settings, self.post,
                                        self.clock, dial=dial, interactions=interactions)
        self.checks = LegCheck(board, self.maps, self.settings, self.clock, self.post)
        self.learned = LegVariables(board)

    # -- the engine's side (MediumAdapter) ---------------------------------------------
    def on_enqueue(self, request: EnqueueRequest) -> None:
        """A voice caller's leg is mapped; MOH starts once it is known to wait."""
        leg = request.where
        ref = LegRef(leg, self.board.tracker.switch_of(leg) or "", self.clock())
        self.maps.map_caller(request.interaction_id, ref)

    def owns(self, item: Any) -> bool:
        return isinstance(item, LegGone)

    def resolve(self, item: Any) -> list[ev.Event]:
        if not isinstance(item, LegGone) or not self.maps.known(item.uuid):
            return []  # already resolved (HANGUP, HANGUP_COMPLETE, DESTROY)
        return self.watch.leg_gone(item)

    def ready(self) -> bool:
        """A switch is up, and what its resync could not tell (the legs' roles) is known."""
        return any(c.ready for c in self.board.switches.values()) and self.learned.done

    def recover(self, legs: Mapping[str, LegRef]) -> None:
        self.maps.load(legs)
        for offer in self.view.offers():
            it = self.view.interaction(offer.interaction)
            if it is None or it.medium != "voice":
                continue
            ring = Ring(offer.id, offer.interaction, offer.agent, pending=False, orphan=True)
            self.maps.add_ring(ring)
        for iid, oid in self.maps.talking.items():
            it = self.view.interaction(iid)
            if it is not None and it.agent and oid not in self.maps.rings:
                self.maps.rings[oid] = Ring(oid, iid, it.agent, pending=False)
        self.watch.load_direct()

    def reconcile(self, recovery: bool, absent: frozenset[str]) -> list[Repair]:
        return reconcile(self.maps, self.view, self.board, self.watch, self.clock(),
                         self.settings.grace_s, recovery=recovery, absent=absent)

    def apply(self, repair: Repair) -> None:
        if repair.kill is not None:
            gevent.spawn(self.media.kill, repair.kill, "NORMAL_CLEARING")
        if repair.bridge is not None:
            gevent.spawn(self.media.bridge, repair.bridge[0], repair.bridge[1].uuid)

    def after_reconcile(self) -> None:
        if self.settings.resync_on_reconcile:
            gevent.spawn(self.checks.snapshot)

    def legs_of(self, iid: str) -> tuple[LegRef | None, LegRef | None]:
        """(customer leg, agent leg) of an interaction, as far as the adapter knows them."""
        return self.maps.legs_of(iid)

    def interaction_at(self, leg: str) -> str | None:
        """The interaction whose customer is on this leg, while the ACD holds it."""
        role, key = self.maps.by_leg.get(leg, ("", ""))
        return key if role in ("caller", "customer") else None

    def on_resync(self, switch: str, rows: list[dict]) -> None:
        """Learn the roles of the legs the switch holds, then reconcile (dated by the resync)."""
        self.learned.learn(switch, rows).link(lambda _: self.engine.reconcile_now("resync"))

    def leg_alive(self, ref: LegRef) -> bool:
        leg = self.board.tracker.legs.get(ref.uuid)
        return leg is not None and leg.alive

    def forget(self, iid: str) -> None:
        """The interaction left the ACD: hang up what is left of its legs, drop the maps."""
        for ref in self.maps.drop(iid):
            self.media.forget(ref.uuid)
            if self.leg_alive(ref):
                gevent.spawn(self.media.kill, ref, "NORMAL_CLEARING")

    # -- decisions ----------------------------------------------------------------------
    def carry_out(self, events: Sequence[ev.Event], decisions: list[Decision]) -> None:
        ignored = {id(d.event) for d in decisions if isinstance(d, Ignored)}
        touched: set[str] = set()
        for d in decisions:
            if isinstance(d, Offer):
                if d.medium == "voice":
                    self._offer(d)
            elif isinstance(d, Cancel):
                self._cancel(d)
            elif isinstance(d, Announce):
                caller = self.maps.callers.get(d.interaction)
                if caller is not None:  # one sequence per leg; it spawns its own greenlet
                    self.maps.moh_on.add(d.interaction)
                    self.media.announce(caller, d.position, d.expected_wait_s)
            elif isinstance(d, Overflow):
                self._overflow(d)
                touched.add(d.interaction)
            elif isinstance(d, DialCallback):
                gevent.spawn(self.callbacks.run, d)
            elif isinstance(d, Ignored) and isinstance(d.event, ev.OfferAccepted):
                self._drop_answered(d.event.offer)
        for e in events:
            if id(e) in ignored:
                continue
            if isinstance(e, ev.OfferAccepted):
                self._accepted(e.offer)
            elif isinstance(e, ev.InteractionArrived):
                self._arrived(e.interaction)
            elif isinstance(e, ev.AgentReleased):
                self.maps.release_agent(e.interaction)
            elif isinstance(e, ev.ConnectFailed | ev.InteractionRequeued):
                self._requeued(e.interaction)
            elif isinstance(e, ev.InteractionEnded | ev.CallbackFailed):
                touched.add(e.interaction)
                if isinstance(e, ev.InteractionEnded) and self.interactions is not None:
                    self.interactions.close(e.interaction, self.clock())
        for iid in touched:
            if not self.view.has_interaction(iid):
                self.forget(iid)

    def _arrived(self, iid: str) -> None:
        it, delay = self.view.interaction(iid), self.settings.moh_delay_s
        if it is None or iid not in self.maps.callers:
            return
        if it.state is S.WAITING or delay <= 0:
            # Its own greenlet: starting MOH waits for the switch's reply, and this runs in the
            # engine's worker, which must never wait on a switch (every API write waits on it).
            gevent.spawn(self.start_moh, iid)
        else:  # offered at once: MOH only if the agent is slow to answer
            gevent.spawn_later(delay / self.settings.time_scale, self.start_moh, iid)

    def start_moh(self, iid: str) -> None:
        it, caller = self.view.interaction(iid), self.maps.callers.get(iid)
        if it is None or caller is None or it.state is S.CONNECTED or iid in self.maps.moh_on:
            return
        self.maps.moh_on.add(iid)
        self.media.moh(caller)

    def _offer(self, d: Offer) -> None:
        ring = Ring(d.id, d.interaction, d.agent)
        self.maps.add_ring(ring)
        gevent.spawn(self._ring, d, ring)

    def _ring(self, d: Offer, ring: Ring) -> None:
        trace = self.settings.trace
        if trace:
            trace("offered", d.interaction)
        caller = self.maps.callers.get(d.interaction)
        # The lease is the authority; the switch's own ring timeout is one second later.
        secs = max(1, math.ceil(d.lease_until - self.clock())) + 1
        variables = {
            "origination_caller_id_name": _cid(d.caller_id_name),
            "origination_caller_id_number": _cid(d.caller_id_number or d.queue),
            "calldesk_role": "agent",
            "calldesk_agent": d.agent,
            "calldesk_interaction": d.interaction,
            "calldesk_offer": d.id,
            "calldesk_queue": d.queue,
            "originate_timeout": secs,
            # Only a real answer accepts the offer: switch_ivr_originate returns on early
            # media by default (early_ok), which a ringing phone's 183 would turn into a bridge.
            "ignore_early_media": "true",
        }
        switch, job, gave_up = "", None, False
        try:
            conn = self.media.conn(caller.switch if caller else None)
            switch = conn.name
            if trace:  # the command is written before this greenlet yields
                trace("originate_sent", d.interaction)
            job = self.media.originate(conn, d.contact, variables)
            if trace:
                trace("originate_acked", d.interaction)
            text = job.get(timeout=(secs + 15) / self.settings.time_scale)
        except CommandRefused as exc:
            log.error("offer %s: contact %r refused: %s", d.id, d.contact, exc)
            text = "-ERR INVALID_NUMBER_FORMAT"
        except (CalldeskError, gevent.Timeout) as exc:
            log.warning("offer %s: originate failed: %s", d.id, exc)
            text, gave_up = "-ERR NETWORK_OUT_OF_ORDER", True
            if job is not None:  # the switch may still answer: hang up what it dials too late
                job.rawlink(lambda late: self._late_leg(d.id, switch, late))
        ring.pending = False
        uuid, cause = parse_job(text)
        if uuid is not None:  # unless its CHANNEL_ANSWER accepted the offer already
            self._answered(ring, LegRef(uuid, switch, self.clock()))
            return
        refused = offer_cause(cause)
        if not ring.cancelled and not ring.accepted and refused is not None:
            self.post(ev.OfferRefused(d.id, refused))
        if gave_up:  # its leg, if the switch still makes one, is hung up as it shows up
            ring.cancelled = True

    def _late_leg(self, oid: str, switch: str, late: gevent.event.AsyncResult) -> None:
        uuid, _ = parse_job(late.value if late.successful() else "")
        if uuid is not None:
            log.warning("offer %s: agent leg %s came after we gave up; hanging it up", oid, uuid)
            gevent.spawn(self.media.kill, LegRef(uuid, switch, self.clock()), "ORIGINATOR_CANCEL")

    def _answered(self, ring: Ring, ref: LegRef) -> None:
        """The agent leg answered: accept the offer (once, from whichever comes first of its
        CHANNEL_ANSWER and the originate's `+OK`)."""
        if ring.accepted:
            return
        ring.accepted = True
        if ref.uuid not in self.maps.by_leg:
            self.maps.map_agent_leg(ring.offer, ref)
        if ring.cancelled:
            gevent.spawn(self.media.kill, ref, "ORIGINATOR_CANCEL")
            return
        items: list[Any] = []
        caller = self.maps.callers.get(ring.interaction)
        if caller is not None and not self.leg_alive(caller):
            items.append(ev.InteractionEnded(ring.interaction, "caller hung up as agent answered"))
        items.append(ev.OfferAccepted(ring.offer))
        self.post(*items)

    def _drop_answered(self, oid: str) -> None:
        """The agent answered an offer the core no longer holds: hang the agent leg up."""
        ring = self.maps.rings.get(oid)
        if ring is not None:
            ring.cancelled = True
        ref = self.maps.agent_legs.get(oid)
        if ref is not None:
            gevent.spawn(self.media.kill, ref, "NORMAL_CLEARING")

    def _cancel(self, d: Cancel) -> None:
        ring = self.maps.rings.get(d.offer)
        if ring is not None:
            ring.cancelled = True
        ref = self.maps.agent_legs.get(d.offer)
        if ref is not None:
            gevent.spawn(self.media.kill, ref, "ORIGINATOR_CANCEL")

    def _accepted(self, oid: str) -> None:
        ring = self.maps.rings.get(oid)
        it = self.view.interaction(ring.interaction) if ring else None
        if ring is None or it is None:
            return
        self.maps.set_talking(it.id, oid, self.clock())
        caller, agent = self.maps.callers.get(it.id), self.maps.agent_legs.get(oid)
        if agent is not None and self.interactions is not None:
            self.interactions.attach(it.id, agent.uuid, "agent", self.clock())
        if it.state is S.CONNECTED and caller is not None and agent is not None:
            self.media.release(caller.uuid)  # now: no MOH or announcement starts after this
            gevent.spawn(self._bridge, it.id, caller, agent)

    def _bridge(self, iid: str, caller: LegRef, agent: LegRef) -> None:
        """`uuid_bridge` says +OK before the media joins (and a leg without media and no RTP
        timer joins ~5 s late, if at all): the bridge counts once the switch's CHANNEL_BRIDGE
        for this pair arrives, and a bridge that never comes is a failed connect."""
        self._bridge_n += 1
        token = self._bridge_n
        self.bridging[caller.uuid] = (iid, agent.uuid, token)  # before: the event may come first
        failed = self.media.bridge(caller, agent.uuid, stop_media=iid in self.maps.moh_on)
        if failed is not None:
            self._connect_failed(caller.uuid, token, failed)
            return
        s = self.settings  # at least a wall second: a busy box delays events, not the switch
        wait = max(s.bridge_confirm_s / s.time_scale, 1.0)
        gevent.spawn_later(wait, self._connect_failed, caller.uuid, token,
                           "no CHANNEL_BRIDGE from the switch")

    def _release_agent_leg(self, caller: LegRef | None, agent: LegRef) -> None:
        """Should the bridge come after all, the caller parks (back to MOH) when the agent leg
        goes, instead of hanging up with it."""
        if caller is not None:
            self.media.set_var(caller, "park_after_bridge", "true")
        self.media.kill(agent, "NORMAL_TEMPORARY_FAILURE")

    def _bridge_seen(self, leg: Any, event: Any) -> None:
        """CHANNEL_BRIDGE (in the ESL reader): the switch joined the caller to the agent."""
        pending = self.bridging.get(leg.uuid)
        if pending is None or leg.bridged_to != pending[1]:
            return
        del self.bridging[leg.uuid]
        iid, agent_leg, _ = pending
        self.engine.store.journal.note(  # the switch's own fact: no commit of its own
            "interaction.bridged", iid, {"caller": leg.uuid, "agent_leg": agent_leg},
            event_time(event),
        )
        if self.settings.trace:
            self.settings.trace("bridged", iid)

    def _connect_failed(self, caller_leg: str, token: int, cause: str) -> None:
        pending = self.bridging.get(caller_leg)
        if pending is None or pending[2] != token:
            return  # confirmed meanwhile, or a newer bridge
        del self.bridging[caller_leg]
        iid = pending[0]
        log.warning("interaction %s: %s; back to the queue", iid, cause)
        self.post(ev.ConnectFailed(iid, cause))

    def _requeued(self, iid: str) -> None:
        """The core put a connected interaction back to waiting (a failed connect, a transfer to
        a queue): release the agent's leg, and the caller hears MOH again while waiting."""
        _, agent = self.maps.legs_of(iid)
        self.maps.release_agent(iid)
        caller = self.maps.callers.get(iid)
        if agent is not None:
            gevent.spawn(self._release_agent_leg, caller, agent)
        if caller is not None:
            self.media.forget(caller.uuid)
            self.maps.moh_on.discard(iid)
            gevent.spawn(self.start_moh, iid)  # not in the worker: see `_arrived`

    def _overflow(self, d: Overflow) -> None:
        caller = self.maps.detach_caller(d.interaction)
        if caller is not None:  # detached: from now on its hangup is not the ACD's business
            self.media.release(caller.uuid)  # nor its media: a running announcement stops
        if self.on_overflow is not None and self.on_overflow(d, caller):
            # The hook stops the MOH itself (`uuid_break all`). A command of a running
            # announcement is already written before it, as the release above came first.
            if caller is not None:
                self.media.forget(caller.uuid)
            return
        if caller is None:
            return
        if d.kind in ("voicemail", "flow") and d.target:
            ctx = self.settings.voicemail_context
            gevent.spawn(self.media.transfer, caller, d.target, ctx)
        else:
            gevent.spawn(self.media.kill, caller, "NORMAL_CLEARING")


__all__ = ["LegGone", "OverflowHook", "ReconcileAbsent", "VoiceAdapter", "_cid"]

"""Carrying out the core's decisions on the switch, and the leg maps they need.

Offer -> `bgapi originate` of the agent leg into park (caller ID `<queue>: <customer>`, the
`calldesk_*` variables naming role, agent, interaction and offer, `originate_timeout` = what is
left of the lease); `+OK` -> OfferAccepted, then `uuid_bridge caller agent` and a screen pop;
`-ERR <cause>` -> OfferRefused(no_answer | busy | reject | unreachable). Cancel -> kill the agent
leg (or kill it as soon as it shows up). Announce -> break MOH, say the position, MOH again
(one sequence per caller leg at a time, see voice.py). Overflow ->
the caller leg is detached from the ACD first (so its hangup is no abandon), then the
`on_overflow` hook may take it; otherwise voicemail/flow transfer to the target, callback/exit
hang up. DialCallback -> originate the customer (through the trunks' `OutboundDialer` when one
is given, else `callback_endpoint`) and bridge to the reserved agent's leg.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import gevent
import gevent.event

from calldesk.acd import Announce, Cancel, DialCallback, Ignored, Offer, Overflow
from calldesk.acd import events as ev
from calldesk.acd.interaction import InteractionState as S
from calldesk.dispatch.causes import offer_cause, parse_job
from calldesk.dispatch.persist import LegRef
from calldesk.errors import CalldeskError, CommandRefused
from calldesk.trunks.dialer import OutboundError, OutboundRefused

log = logging.getLogger(__name__)
_CID_BAD = str.maketrans("", "", "{}[]'\"\r\n\0")


def _cid(text: str) -> str:
    """A dial-string-safe caller ID: FreeSWITCH splits `originate`'s arguments on spaces, even
    inside `{…}`, so `sales: +1555…` is sent as `sales:+1555…` (other spaces become `_`)."""
    return text.translate(_CID_BAD).replace(": ", ":").replace(" ", "_")


@dataclass
class Ring:
    """The dispatcher's side of one offer."""

    offer: str
    interaction: str
    agent: str
    pending: bool = True  # the originate job has not returned yet
    cancelled: bool = False
    orphan: bool = False  # found after a restart: no job result will come, the leg tells


class Effects:
    """Mixin of `AcdService`: decisions -> ESL, with the maps from interactions to legs."""

    acd: Any
    board: Any
    clock: Any
    settings: Any
    dial: Any
    persist: Any
    store: Any
    voice: Any
    on_overflow: Any
    post: Any

    def init_maps(self) -> None:
        self.callers: dict[str, LegRef] = {}  # interaction -> caller leg
        self.agent_legs: dict[str, LegRef] = {}  # offer -> agent leg
        self.customers: dict[str, LegRef] = {}  # interaction -> dialed-back customer leg
        self.talking: dict[str, str] = {}  # interaction -> offer whose agent leg is on it
        self.rings: dict[str, Ring] = {}
        self.offers_of: dict[str, list[str]] = {}
        self.by_leg: dict[str, tuple[str, str]] = {}  # leg -> (caller|agent|customer, key)
        self.moh_on: set[str] = set()  # interactions whose caller hears MOH

    # -- maps ---------------------------------------------------------------------------
    def map_caller(self, iid: str, ref: LegRef) -> None:
        self.callers[iid] = ref
        self.by_leg[ref.uuid] = ("caller", iid)
        self.persist.map_leg(f"caller:{iid}", ref, "caller")

    def map_agent_leg(self, oid: str, ref: LegRef) -> None:
        self.agent_legs[oid] = ref
        self.by_leg[ref.uuid] = ("agent", oid)
        self.persist.map_leg(f"offer:{oid}", ref, "agent")

    def map_customer(self, iid: str, ref: LegRef) -> None:
        self.customers[iid] = ref
        self.by_leg[ref.uuid] = ("customer", iid)
        self.persist.map_leg(f"callback:{iid}", ref, "customer")

    def set_talking(self, iid: str, oid: str) -> None:
        self.talking[iid] = oid
        self.persist.map_leg(f"talk:{iid}", LegRef(oid, "", self.clock()), "talk")

    def load_maps(self, legs: dict[str, LegRef]) -> None:
        """Rebuild the maps after a restart (`talk:` rows hold the offer id in `leg`)."""
        for key, ref in legs.items():
            kind, _, name = key.partition(":")
            if kind == "caller":
                self.callers[name], self.by_leg[ref.uuid] = ref, ("caller", name)
            elif kind == "offer":
                self.agent_legs[name], self.by_leg[ref.uuid] = ref, ("agent", name)
            elif kind == "callback":
                self.customers[name], self.by_leg[ref.uuid] = ref, ("customer", name)
            elif kind == "talk":
                self.talking[name] = ref.uuid
        self.moh_on = set(self.callers)  # unknown after a restart: assume it plays
        for oid, rec in self.acd.offers.items():
            self.rings[oid] = Ring(oid, rec.interaction, rec.agent, pending=False, orphan=True)
            self.offers_of.setdefault(rec.interaction, []).append(oid)
        for iid, oid in self.talking.items():
            it = self.acd.interactions.get(iid)
            if it is not None and it.agent and oid not in self.rings:
                self.rings[oid] = Ring(oid, iid, it.agent, pending=False)

    def legs_of(self, iid: str) -> tuple[LegRef | None, LegRef | None]:
        """(customer leg, agent leg) of an interaction, as far as the dispatcher knows them."""
        caller = self.callers.get(iid) or self.customers.get(iid)
        oid = self.talking.get(iid)
        return caller, self.agent_legs.get(oid) if oid is not None else None

    def leg_alive(self, ref: LegRef) -> bool:
        leg = self.board.tracker.legs.get(ref.uuid)
        return leg is not None and leg.alive

    def forget(self, iid: str) -> None:
        """The interaction left the ACD: hang up what is left of its legs, drop the maps."""
        self.moh_on.discard(iid)
        refs = [self.callers.pop(iid, None), self.customers.pop(iid, None)]
        oid = self.talking.pop(iid, None)
        if oid is not None:
            refs.append(self.agent_legs.get(oid))
        keys = [f"caller:{iid}", f"callback:{iid}", f"talk:{iid}"]
        for o in self.offers_of.pop(iid, []):
            self.rings.pop(o, None)
            ref = self.agent_legs.pop(o, None)
            if ref is not None:
                self.by_leg.pop(ref.uuid, None)
            keys.append(f"offer:{o}")
        for ref in refs:
            if ref is not None:
                self.by_leg.pop(ref.uuid, None)
                self.voice.forget(ref.uuid)
                if self.leg_alive(ref):
                    gevent.spawn(self.voice.kill, ref, "NORMAL_CLEARING")
        self.persist.unmap(*keys)

    # -- decisions ----------------------------------------------------------------------
    def carry_out(self, events: Any, decisions: list[Any]) -> None:
        ignored = {id(d.event) for d in decisions if isinstance(d, Ignored)}
        touched: set[str] = set()
        for d in decisions:
            if isinstance(d, Offer):
                self._offer(d)
            elif isinstance(d, Cancel):
                self._cancel(d)
            elif isinstance(d, Announce):
                caller = self.callers.get(d.interaction)
                if caller is not None:  # one sequence per leg; it spawns its own greenlet
                    self.moh_on.add(d.interaction)
                    self.voice.announce(caller, d.position, d.expected_wait_s)
            elif isinstance(d, Overflow):
                self._overflow(d)
                touched.add(d.interaction)
            elif isinstance(d, DialCallback):
                gevent.spawn(self._dial_callback, d)
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
                self._released(e.interaction)
            elif isinstance(e, ev.InteractionEnded | ev.CallbackFailed):
                touched.add(e.interaction)
        for iid in touched:
            if iid not in self.acd.interactions:
                self.forget(iid)

    def _released(self, iid: str) -> None:
        """Takeover: the agent leg is no longer the call's. Its hangup (the switch's, when the
        customer is bridged to the supervisor) must not end the interaction."""
        oid = self.talking.pop(iid, None)
        ref = self.agent_legs.pop(oid, None) if oid is not None else None
        if ref is not None:
            self.by_leg.pop(ref.uuid, None)
        self.persist.unmap(f"talk:{iid}", f"offer:{oid}")

    def _arrived(self, iid: str) -> None:
        it, delay = self.acd.interactions.get(iid), self.settings.moh_delay_s
        if it is None or iid not in self.callers:
            return
        if it.state is S.WAITING or delay <= 0:
            self.start_moh(iid)
        else:  # offered at once: MOH only if the agent is slow to answer
            gevent.spawn_later(delay / self.settings.time_scale, self.start_moh, iid)

    def start_moh(self, iid: str) -> None:
        it, caller = self.acd.interactions.get(iid), self.callers.get(iid)
        if it is None or caller is None or it.state is S.CONNECTED or iid in self.moh_on:
            return
        self.moh_on.add(iid)
        self.voice.moh(caller)

    def _offer(self, d: Offer) -> None:
        ring = Ring(d.id, d.interaction, d.agent)
        self.rings[d.id] = ring
        self.offers_of.setdefault(d.interaction, []).append(d.id)
        if d.medium != "voice":
            ring.pending = False  # digital media: the agent desktop takes it (later issue)
            return
        gevent.spawn(self._ring, d, ring)

    def _ring(self, d: Offer, ring: Ring) -> None:
        if self.settings.trace:
            self.settings.trace("offered", d.interaction)
        caller = self.callers.get(d.interaction)
        # The lease is the authority; the switch's own ring timeout is one second later.
        secs = max(1, math.ceil(d.lease_until - self.clock())) + 1
        variables = {
            "origination_caller_id_name": _cid(d.caller_id_name),
            "origination_caller_id_number": _cid(d.caller_id_number or d.queue),
            "calldesk_role": "agent", "calldesk_agent": d.agent,
            "calldesk_interaction": d.interaction, "calldesk_offer": d.id,
            "calldesk_queue": d.queue, "originate_timeout": secs,
            # Only a real answer accepts the offer: switch_ivr_originate returns on early
            # media by default (early_ok), which a ringing phone's 183 would turn into a bridge.
            "ignore_early_media": "true",
        }  # fmt: skip
        switch, job = "", None
        try:
            conn = self.voice.conn(caller.switch if caller else None)
            switch = conn.name
            if self.settings.trace:  # the command is written before this greenlet yields
                self.settings.trace("originate_sent", d.interaction)
            job = self.voice.originate(conn, d.contact, variables)
            if self.settings.trace:
                self.settings.trace("originate_acked", d.interaction)
            text = job.get(timeout=(secs + 15) / self.settings.time_scale)
        except CommandRefused as exc:
            log.error("offer %s: contact %r refused: %s", d.id, d.contact, exc)
            text = "-ERR INVALID_NUMBER_FORMAT"
        except (CalldeskError, gevent.Timeout) as exc:
            log.warning("offer %s: originate failed: %s", d.id, exc)
            text = "-ERR NETWORK_OUT_OF_ORDER"
            if job is not None:  # the switch may still answer: hang up what it dials too late
                job.rawlink(lambda late: self._late_leg(d.id, switch, late))
        ring.pending = False
        uuid, cause = parse_job(text)
        if uuid is not None:
            self._answered(ring, LegRef(uuid, switch, self.clock()))
            return
        refused = offer_cause(cause)
        if not ring.cancelled and refused is not None:
            self.post(ev.OfferRefused(d.id, refused))

    def _late_leg(self, oid: str, switch: str, late: gevent.event.AsyncResult) -> None:
        uuid, _ = parse_job(late.value if late.successful() else "")
        if uuid is not None:
            log.warning("offer %s: agent leg %s came after we gave up; hanging it up", oid, uuid)
            gevent.spawn(self.voice.kill, LegRef(uuid, switch, self.clock()), "ORIGINATOR_CANCEL")

    def _answered(self, ring: Ring, ref: LegRef) -> None:
        self.map_agent_leg(ring.offer, ref)
        if ring.cancelled:
            gevent.spawn(self.voice.kill, ref, "ORIGINATOR_CANCEL")
            return
        items: list[Any] = []
        caller = self.callers.get(ring.interaction)
        if caller is not None and not self.leg_alive(caller):
            items.append(ev.InteractionEnded(ring.interaction, "caller hung up as agent answered"))
        items.append(ev.OfferAccepted(ring.offer))
        self.post(*items)

    def _drop_answered(self, oid: str) -> None:
        """The agent answered an offer the core no longer holds: hang the agent leg up."""
        ring = self.rings.get(oid)
        if ring is not None:
            ring.cancelled = True
        ref = self.agent_legs.get(oid)
        if ref is not None:
            gevent.spawn(self.voice.kill, ref, "NORMAL_CLEARING")

    def _cancel(self, d: Cancel) -> None:
        ring = self.rings.get(d.offer)
        if ring is not None:
            ring.cancelled = True
        ref = self.agent_legs.get(d.offer)
        if ref is not None:
            gevent.spawn(self.voice.kill, ref, "ORIGINATOR_CANCEL")

    def _accepted(self, oid: str) -> None:
        ring = self.rings.get(oid)
        it = self.acd.interactions.get(ring.interaction) if ring else None
        if ring is None or it is None:
            return
        self.set_talking(it.id, oid)
        journey = [(e.at, e.kind) for e in self.store.journal.read(subject=it.id)]
        pop = {"queue": it.queue, "customer": it.customer, "medium": it.medium,
               "data": it.data, "journey": journey}  # fmt: skip
        self.persist.screen_pop(oid, it.id, ring.agent, self.acd.now, pop)
        caller, agent = self.callers.get(it.id), self.agent_legs.get(oid)
        if it.state is S.CONNECTED and caller is not None and agent is not None:
            self.voice.release(caller.uuid)  # now: no MOH or announcement starts after this
            gevent.spawn(self._bridge, it.id, caller, agent)

    def _bridge(self, iid: str, caller: LegRef, agent: LegRef) -> None:
        if self.voice.bridge(caller, agent.uuid, stop_media=iid in self.moh_on):
            self.store.journal.append(
                "interaction.bridged", iid, {"caller": caller.uuid, "agent_leg": agent.uuid},
                self.clock(),
            )  # fmt: skip
            if self.settings.trace:
                self.settings.trace("bridged", iid)

    def _overflow(self, d: Overflow) -> None:
        caller = self.callers.pop(d.interaction, None)
        if caller is not None:  # detach: from now on its hangup is not the ACD's business
            self.by_leg.pop(caller.uuid, None)
            self.voice.release(caller.uuid)  # nor its media: a running announcement stops
            self.persist.unmap(f"caller:{d.interaction}")
        if self.on_overflow is not None and self.on_overflow(d, caller):
            # The hook stops the MOH itself (`uuid_break all`). A command of a running
            # announcement is already written before it, as the release above came first.
            if caller is not None:
                self.voice.forget(caller.uuid)
            return
        if caller is None:
            return
        if d.kind in ("voicemail", "flow") and d.target:
            ctx = self.settings.voicemail_context
            gevent.spawn(self.voice.transfer, caller, d.target, ctx)
        else:
            gevent.spawn(self.voice.kill, caller, "NORMAL_CLEARING")

    def _dial_callback(self, d: DialCallback) -> None:
        iid, agent = d.interaction, self.agent_legs.get(d.offer)
        s = self.settings
        text = "-ERR NETWORK_OUT_OF_ORDER"
        switch = ""
        if agent is not None:
            variables = {"calldesk_role": "callback", "calldesk_interaction": iid,
                         "originate_timeout": int(s.callback_timeout_s),
                         "ignore_early_media": "true"}  # fmt: skip
            dial = self._dial_trunk if self.dial is not None else self._dial_endpoint
            text, switch = dial(d.number, variables, agent.switch, iid)
        uuid, cause = parse_job(text)
        if uuid is None:
            self.talking.pop(iid, None)  # the agent leg's hangup is no longer the call's end
            self.persist.unmap(f"talk:{iid}")
            self.post(ev.CallbackFailed(iid, cause.lower()))
            if agent is not None:
                gevent.spawn(self.voice.kill, agent, "NORMAL_CLEARING")
            return
        self.map_customer(iid, LegRef(uuid, switch, self.clock()))
        self.voice.bridge(LegRef(uuid, switch), agent.uuid if agent else "")
        self.post(ev.CallbackConnected(iid))

    def _dial_endpoint(
        self, number: str, variables: dict[str, Any], switch: str, iid: str
    ) -> tuple[str, str]:
        """No trunks configured: originate `callback_endpoint` (e.g. loopback in the demo)."""
        s = self.settings
        try:
            conn = self.voice.conn(switch)
            job = self.voice.originate(conn, s.callback_endpoint.format(number=number), variables)
            return job.get(timeout=(s.callback_timeout_s + 15) / s.time_scale), conn.name
        except CommandRefused:
            return "-ERR INVALID_NUMBER_FORMAT", switch
        except (CalldeskError, gevent.Timeout) as exc:
            log.warning("callback %s: originate failed: %s", iid, exc)
            return "-ERR NETWORK_OUT_OF_ORDER", switch

    def _dial_trunk(
        self, number: str, variables: dict[str, Any], switch: str, iid: str
    ) -> tuple[str, str]:
        """Through the outbound dialer (trunk choice, failover, toll-fraud rules); on the agent
        leg's switch so the bridge is local. A refusal is a failed attempt with its rule."""
        try:
            got = self.dial(number, variables, switch=switch, subject=iid)
            return f"+OK {got.uuid}", got.switch
        except OutboundRefused as exc:  # e.g. callback.failed cause "refused_premium"
            log.warning("callback %s: %s", iid, exc)
            return f"-ERR REFUSED_{exc.code.upper()}", switch
        except OutboundError as exc:
            log.warning("callback %s: %s", iid, exc)
            return f"-ERR {exc.cause}", switch
        except CalldeskError as exc:
            log.warning("callback %s: originate failed: %s", iid, exc)
            return "-ERR NETWORK_OUT_OF_ORDER", switch

"""Legs as the tracker folds them -> what the ACD must hear.

`on_leg` runs inline in the ESL reader (the wiring subscribes it to the tracker), so it only
updates maps and posts. A leg that ended is posted as `LegGone` and resolved by the engine's
worker in order with everything posted before it (an agent leg that hangs up right after its
answer was posted is the call ending, not a refusal). Off-queue calls: an answered leg on an
agent's own phone (`user/1001`, `sofia/.../1001@…`) that the ACD did not place makes that agent
busy until it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gevent

from calldesk.acd import events as ev
from calldesk.acd.interaction import InteractionState as S
from calldesk.acd.view import AcdView
from calldesk.telephony.legs import LegRef, user_of
from calldesk.voice.causes import offer_cause
from calldesk.voice.legmaps import LegMaps, Ring
from calldesk.voice.media import Voice


@dataclass(frozen=True)
class LegGone:
    uuid: str
    cause: str


class LegWatch:
    def __init__(self, maps: LegMaps, view: AcdView, post: Callable[..., Any], media: Voice,
                 clock: Callable[[], float],
                 on_answer: Callable[[Ring, LegRef], None] | None = None,
                 on_bridge: Callable[[Any, Any], None] | None = None) -> None:
        self.maps, self.view, self.post, self.media, self.clock = maps, view, post, media, clock
        # The agent leg's CHANNEL_ANSWER accepts the offer at once (the originate's job result
        # comes later); a caller leg's CHANNEL_BRIDGE confirms the bridge.
        self.on_answer, self.on_bridge = on_answer, on_bridge
        self._gone_posted: dict[str, None] = {}  # legs already reported gone (insertion order)
        self.agent_of_user: dict[str, str] = {}
        for a in view.agents():
            user = user_of(a.contact)
            if user:
                self.agent_of_user[user] = a.id

    def load_direct(self) -> None:
        """After a restart: off-queue calls already known to the core."""
        for a in self.view.agents():
            for call in a.direct:
                self.maps.direct_of[call] = a.id

    def on_leg(self, leg: Any, event: Any) -> None:
        name, uuid, maps = event.name, leg.uuid, self.maps
        if name in ("CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"):
            if maps.known(uuid) and uuid not in self._gone_posted:
                self._gone_posted[uuid] = None  # one LegGone per leg, whichever event is first
                if len(self._gone_posted) > 4096:
                    self._gone_posted.pop(next(iter(self._gone_posted)))
                self.post(LegGone(uuid, leg.hangup_cause or "NORMAL_CLEARING"))
            return
        if name == "DTMF":
            self.breakout(uuid, event.get("DTMF-Digit") or "")
            return
        if name == "CHANNEL_BRIDGE":
            if self.on_bridge is not None:
                self.on_bridge(leg, event)
            return
        if name not in ("CHANNEL_CREATE", "CHANNEL_ANSWER"):
            return
        oid = leg.variables.get("calldesk_offer")
        if oid:
            ring = maps.rings.get(oid)
            if ring is None:
                return
            if uuid not in maps.by_leg:
                ref = LegRef(uuid, leg.switch, self.clock())
                maps.map_agent_leg(oid, ref)
                if ring.cancelled:
                    gevent.spawn(self.media.kill, ref, "ORIGINATOR_CANCEL")
            if name == "CHANNEL_ANSWER" and ring.orphan and not ring.cancelled:
                ring.orphan = False
                self.post(ev.OfferAccepted(oid))
            elif name == "CHANNEL_ANSWER" and self.on_answer is not None and not ring.cancelled:
                self.on_answer(ring, maps.agent_legs[oid])
            return
        if name == "CHANNEL_ANSWER" and not maps.known(uuid):
            agent = self.direct_agent(leg)
            if agent is not None:
                maps.direct_of[uuid] = agent
                self.post(ev.DirectCallStarted(agent, uuid))

    def breakout(self, uuid: str, digit: str) -> None:
        """A key pressed by a caller waiting in a queue that has breakout keys (the core ignores
        keys the queue does not define, and callers who are not waiting)."""
        role, iid = self.maps.by_leg.get(uuid, ("", ""))
        if role != "caller" or not digit:
            return
        it = self.view.interaction(iid)
        if it is not None and it.state is S.WAITING and digit in self.view.breakout(it.queue):
            self.post(ev.Breakout(iid, digit))

    def direct_agent(self, leg: Any) -> str | None:
        """The agent whose phone this leg is on, if the ACD did not place it."""
        if leg.variables.get("calldesk_role"):
            return None
        user = user_of(leg.name)
        return self.agent_of_user.get(user) if user else None

    def leg_gone(self, item: LegGone) -> list[Any]:
        """Resolve an ended leg against the state as it is now."""
        maps = self.maps
        agent = maps.direct_of.pop(item.uuid, None)
        if agent is not None:
            return [ev.AgentCallEnded(agent, item.uuid)]
        found = maps.by_leg.pop(item.uuid, None)
        if found is None:
            return []
        role, key = found
        cause = item.cause.lower()
        if role in ("caller", "customer"):
            return [ev.InteractionEnded(key, cause)] if self.view.has_interaction(key) else []
        ring = maps.rings.get(key)
        if ring is None:
            return []
        it = self.view.interaction(ring.interaction)
        if it is None:
            return []
        if maps.talking.get(it.id) == key and it.state in (S.CONNECTED, S.DIALING):
            return [ev.InteractionEnded(it.id, "agent hung up")]
        if ring.orphan and self.view.has_offer(key):  # after a restart: the leg is the answer
            ring.orphan = False
            return [ev.OfferRefused(key, offer_cause(item.cause) or "no_answer")]
        return []

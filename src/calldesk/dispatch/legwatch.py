"""Legs as the tracker folds them -> what the ACD must hear.

`on_leg` runs inline in the ESL reader, so it only updates maps and posts. A leg that ended is
posted as `LegGone` and resolved by the worker in order with everything posted before it (an
agent leg that hangs up right after its answer was posted is the call ending, not a refusal).
Off-queue calls: an answered leg on an agent's own phone (`user/1001`, `sofia/.../1001@…`) that
the dispatcher did not place makes that agent busy until it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gevent

from calldesk.acd import events as ev
from calldesk.acd.interaction import InteractionState as S
from calldesk.dispatch.causes import offer_cause
from calldesk.dispatch.persist import LegRef


@dataclass(frozen=True)
class LegGone:
    uuid: str
    cause: str


def user_of(name: str) -> str | None:
    """`user/1001@dom`, `sofia/internal/1001@host` -> `1001`; anything else -> None."""
    if name.startswith("user/"):
        return name[5:].split("@", 1)[0] or None
    if name.startswith("sofia/"):
        parts = name.split("/", 2)
        return parts[2].split("@", 1)[0] or None if len(parts) == 3 else None
    return None


class LegWatch:
    """Mixin of `AcdService`."""

    acd: Any
    clock: Any
    voice: Any
    rings: Any
    by_leg: dict[str, tuple[str, str]]
    callers: Any
    talking: Any
    post: Any
    map_agent_leg: Any

    def init_watch(self) -> None:
        self.direct_of: dict[str, str] = {}  # off-queue leg -> agent
        self._gone_posted: dict[str, None] = {}  # legs already reported gone (insertion order)
        self.agent_of_user: dict[str, str] = {}
        for a in self.acd.agents.values():
            user = user_of(a.cfg.contact)
            if user:
                self.agent_of_user[user] = a.id
        for a in self.acd.agents.values():  # after a restart: calls already known to the core
            for call in a.direct:
                self.direct_of[call] = a.id

    def on_leg(self, leg: Any, event: Any) -> None:
        name, uuid = event.name, leg.uuid
        if name in ("CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"):
            if (uuid in self.by_leg or uuid in self.direct_of) and uuid not in self._gone_posted:
                self._gone_posted[uuid] = None  # one LegGone per leg, whichever event is first
                if len(self._gone_posted) > 4096:
                    self._gone_posted.pop(next(iter(self._gone_posted)))
                self.post(LegGone(uuid, leg.hangup_cause or "NORMAL_CLEARING"))
            return
        if name == "DTMF":
            self.breakout(uuid, event.get("DTMF-Digit") or "")
            return
        if name not in ("CHANNEL_CREATE", "CHANNEL_ANSWER"):
            return
        oid = leg.variables.get("calldesk_offer")
        if oid:
            ring = self.rings.get(oid)
            if ring is None:
                return
            if uuid not in self.by_leg:
                ref = LegRef(uuid, leg.switch, self.clock())
                self.map_agent_leg(oid, ref)
                if ring.cancelled:
                    gevent.spawn(self.voice.kill, ref, "ORIGINATOR_CANCEL")
            if name == "CHANNEL_ANSWER" and ring.orphan and not ring.cancelled:
                ring.orphan = False
                self.post(ev.OfferAccepted(oid))
            return
        if name == "CHANNEL_ANSWER" and uuid not in self.by_leg and uuid not in self.direct_of:
            agent = self.direct_agent(leg)
            if agent is not None:
                self.direct_of[uuid] = agent
                self.post(ev.DirectCallStarted(agent, uuid))

    def breakout(self, uuid: str, digit: str) -> None:
        """A key pressed by a caller waiting in a queue that has breakout keys (the core ignores
        keys the queue does not define, and callers who are not waiting)."""
        role, iid = self.by_leg.get(uuid, ("", ""))
        if role != "caller" or not digit:
            return
        it = self.acd.interactions.get(iid)
        if it is not None and it.state is S.WAITING and digit in self.acd.queues[it.queue].breakout:
            self.post(ev.Breakout(iid, digit))

    def direct_agent(self, leg: Any) -> str | None:
        """The agent whose phone this leg is on, if the ACD did not place it."""
        if leg.variables.get("calldesk_role"):
            return None
        user = user_of(leg.name)
        return self.agent_of_user.get(user) if user else None

    def leg_gone(self, item: LegGone) -> list[Any]:
        """Resolve an ended leg against the state as it is now."""
        agent = self.direct_of.pop(item.uuid, None)
        if agent is not None:
            return [ev.AgentCallEnded(agent, item.uuid)]
        found = self.by_leg.pop(item.uuid, None)
        if found is None:
            return []
        role, key = found
        cause = item.cause.lower()
        if role in ("caller", "customer"):
            return [ev.InteractionEnded(key, cause)] if key in self.acd.interactions else []
        ring = self.rings.get(key)
        if ring is None:
            return []
        it = self.acd.interactions.get(ring.interaction)
        if it is None:
            return []
        if self.talking.get(it.id) == key and it.state in (S.CONNECTED, S.DIALING):
            return [ev.InteractionEnded(it.id, "agent hung up")]
        if ring.orphan and key in self.acd.offers:  # after a restart: the leg is the answer
            ring.orphan = False
            return [ev.OfferRefused(key, offer_cause(item.cause) or "no_answer")]
        return []

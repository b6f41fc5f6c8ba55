"""Which legs belong to which interaction and offer, as the voice adapter knows them.

One object, shared by the adapter, the leg watcher and reconciliation (composition, not a
mixin's shared attributes). Every change is persisted in `acd_legs` with the engine's next
batch, so a restart rebuilds the maps (`load`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from calldesk.engine.persist import EngineStore
from calldesk.telephony.legs import LegRef


@dataclass
class Ring:
    """The adapter's side of one offer."""

    offer: str
    interaction: str
    agent: str
    pending: bool = True  # the originate job has not returned yet
    cancelled: bool = False
    orphan: bool = False  # found after a restart: no job result will come, the leg tells
    accepted: bool = False  # the agent leg answered and OfferAccepted was posted


class LegMaps:
    def __init__(self, persist: EngineStore) -> None:
        self.persist = persist
        self.callers: dict[str, LegRef] = {}  # interaction -> caller leg
        self.agent_legs: dict[str, LegRef] = {}  # offer -> agent leg
        self.customers: dict[str, LegRef] = {}  # interaction -> dialed-back customer leg
        self.talking: dict[str, str] = {}  # interaction -> offer whose agent leg is on it
        self.rings: dict[str, Ring] = {}
        self.offers_of: dict[str, list[str]] = {}
        self.by_leg: dict[str, tuple[str, str]] = {}  # leg -> (caller|agent|customer, key)
        self.moh_on: set[str] = set()  # interactions whose caller hears MOH
        self.direct_of: dict[str, str] = {}  # off-queue leg -> agent

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

    def set_talking(self, iid: str, oid: str, at: float) -> None:
        self.talking[iid] = oid
        self.persist.map_leg(f"talk:{iid}", LegRef(oid, "", at), "talk")

    def unset_talking(self, iid: str) -> str | None:
        oid = self.talking.pop(iid, None)
        self.persist.unmap(f"talk:{iid}")
        return oid

    def detach_caller(self, iid: str) -> LegRef | None:
        """The caller leg is no longer the ACD's (overflow to a flow, a transfer)."""
        ref = self.callers.pop(iid, None)
        if ref is not None:
            self.by_leg.pop(ref.uuid, None)
            self.persist.unmap(f"caller:{iid}")
        return ref

    def release_agent(self, iid: str) -> None:
        """Takeover: the agent leg is no longer the call's."""
        oid = self.talking.pop(iid, None)
        ref = self.agent_legs.pop(oid, None) if oid is not None else None
        if ref is not None:
            self.by_leg.pop(ref.uuid, None)
        self.persist.unmap(f"talk:{iid}", f"offer:{oid}")

    def add_ring(self, ring: Ring) -> None:
        self.rings[ring.offer] = ring
        self.offers_of.setdefault(ring.interaction, []).append(ring.offer)

    def legs_of(self, iid: str) -> tuple[LegRef | None, LegRef | None]:
        """(customer leg, agent leg) of an interaction."""
        caller = self.callers.get(iid) or self.customers.get(iid)
        oid = self.talking.get(iid)
        return caller, self.agent_legs.get(oid) if oid is not None else None

    def drop(self, iid: str) -> list[LegRef]:
        """The interaction left the ACD: forget its maps; returns the legs it still had."""
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
        out = [r for r in refs if r is not None]
        for ref in out:
            self.by_leg.pop(ref.uuid, None)
        self.persist.unmap(*keys)
        return out

    def load(self, legs: Mapping[str, LegRef]) -> None:
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

    def known(self, uuid: str) -> bool:
        return uuid in self.by_leg or uuid in self.direct_of

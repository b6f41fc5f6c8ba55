"""An interaction keeps its own id while its legs change: the caller's leg, the agent's leg, and
after a callback a new customer leg, all attached to one interaction in the registry."""

from __future__ import annotations

from tests.integration.dispatch.helpers import request, wait_for

from calldesk.acd import AgentConfig
from calldesk.interactions import Interactions
from calldesk.sim import PhoneBehavior


def agent(aid: str, contact: str) -> AgentConfig:
    return AgentConfig(aid, contact, queues=("sales",))


def open_interaction(desk, caller: str) -> str:
    return Interactions(desk.store.db).open("voice", at=0.0, address=caller,
                                            identities={"phone": "+15550101"})


def test_the_interaction_id_is_not_the_leg_and_holds_both_legs(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5, hangup_after=2))
    desk = desk_factory([agent("alice", "user/1001")], registry=True)
    desk.svc.login("alice", ready=True)
    caller = sim.inject_call(did="5551000", caller_id="+15550101")
    wait_for(lambda: (leg := desk.board.tracker.legs.get(caller)) is not None and leg.parked)
    iid = open_interaction(desk, caller)
    assert iid != caller and iid.startswith("v-")
    desk.svc.enqueue(request(iid, "sales", "+15550101", address=caller))
    wait_for(lambda: "interaction.bridged" in desk.kinds(iid), what="bridged")
    bridged = next(desk.store.journal.read(subject=iid, kind="interaction.bridged"))
    assert bridged.data["caller"] == caller  # the leg is where the interaction is, not what it is
    wait_for(lambda: "interaction.ended" in desk.kinds(iid), what="agent hung up")
    rec = Interactions(desk.store.db).get(iid)
    assert [(a.address, a.role) for a in rec.attachments] == [
        (caller, "customer"), (bridged.data["agent_leg"], "agent"),
    ]
    assert rec.closed_at is not None and all(a.detached_at for a in rec.attachments)
    assert desk.kinds(caller) == []  # nothing is journaled under the leg's uuid


def test_a_callback_attaches_a_new_customer_leg_to_the_same_interaction(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    sim.add_phone("user/5550177", PhoneBehavior.answer(after=1.0, hangup_after=3))
    desk = desk_factory([agent("alice", "user/1001")], callback_endpoint="user/{number}",
                        registry=True)
    desk.svc.login("alice", ready=False)
    caller = sim.inject_call(did="5551000", caller_id="+15550101")
    wait_for(lambda: (leg := desk.board.tracker.legs.get(caller)) is not None and leg.parked)
    iid = open_interaction(desk, caller)
    desk.svc.enqueue(request(iid, "sales", "+15550101", callback="5550177", address=caller))
    wait_for(lambda: caller not in desk.board.tracker.legs, what="caller released")
    desk.svc.ready("alice")
    wait_for(lambda: "interaction.ended" in desk.kinds(iid), what="callback done")
    rec = Interactions(desk.store.db).get(iid)
    roles = [a.role for a in rec.attachments]
    legs = [a.address for a in rec.attachments]
    assert roles == ["customer", "customer", "agent"] or roles == ["customer", "agent", "customer"]
    assert legs[0] == caller and len(set(legs)) == 3  # three legs, one interaction
    assert {"interaction.arrived", "callback.dialing", "interaction.ended"} <= set(desk.kinds(iid))

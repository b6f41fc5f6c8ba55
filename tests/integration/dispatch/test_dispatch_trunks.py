"""Queued callbacks through trunks, over real TCP against the simulated switch: failover from a
failing carrier to the next, and a premium number refused before anything is dialled."""

from __future__ import annotations

from typing import Any

from tests.integration.dispatch.helpers import SCALE, request, wait_for

from calldesk.acd import AgentConfig, AgentState
from calldesk.sim import PhoneBehavior
from calldesk.trunks import parse_trunks
from calldesk.trunks.dialer import OutboundDialer

NUMBER = "+15550177"
TRUNKS = [
    {"name": "carrier-a", "max_legs": 4, "gateway": {"proxy": "203.0.113.10", "auth": "ip"},
     "acl": ["203.0.113.10"]},
    {"name": "carrier-b", "max_legs": 4, "gateway": {"proxy": "203.0.113.20", "auth": "ip"},
     "acl": ["203.0.113.20"]},
]  # fmt: skip


def dialer_factory(made: list[OutboundDialer], clock: Any) -> Any:
    def make(board: Any, store: Any) -> Any:
        trunks = parse_trunks(TRUNKS, env={})
        dialer = OutboundDialer.build(trunks, {}, board, store.journal, clock, SCALE)
        board.tracker.subscribe(dialer.on_leg)
        made.append(dialer)
        return dialer.dial

    return make


def callback(sim: Any, desk_factory: Any, number: str, made: list[OutboundDialer]) -> Any:
    desk = desk_factory(
        [AgentConfig("alice", "user/1001", queues=("sales",))],
        make_dial=dialer_factory(made, sim.clock.epoch),
    )
    desk.svc.login("alice", ready=False)
    caller = sim.inject_call(did="5551000", caller_id=NUMBER)
    wait_for(lambda: (leg := desk.board.tracker.legs.get(caller)) is not None and leg.parked)
    desk.svc.enqueue(request(caller, "sales", NUMBER, callback=number))
    wait_for(lambda: caller not in desk.board.tracker.legs, what="caller released")
    desk.svc.ready("alice")
    return desk, caller


def test_callback_fails_over_to_the_next_trunk_and_reaches_the_agent(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    sim.add_phone(f"sofia/gateway/carrier-a/{NUMBER}", PhoneBehavior.fail())
    sim.add_phone(f"sofia/gateway/carrier-b/{NUMBER}", PhoneBehavior.answer(hangup_after=3))
    made: list[OutboundDialer] = []
    desk, caller = callback(sim, desk_factory, NUMBER, made)
    wait_for(lambda: "interaction.answered" in desk.kinds(caller), what="callback connected")
    kinds = [k for k in desk.kinds(caller) if k.startswith("outbound.")]
    assert kinds == ["outbound.attempt", "outbound.failover", "outbound.attempt",
                     "outbound.connected"]  # fmt: skip
    failover = next(desk.store.journal.read(subject=caller, kind="outbound.failover")).data
    assert failover == {"number": NUMBER, "from": "carrier-a", "to": "carrier-b",
                        "cause": "NORMAL_TEMPORARY_FAILURE"}  # fmt: skip
    customer = desk.board.tracker.legs[desk.voice.maps.customers[caller].uuid]
    assert customer.variables["calldesk_trunk"] == "carrier-b"
    assert made[0].legs.active("carrier-b") == 1 and made[0].legs.active("carrier-a") == 0
    wait_for(lambda: customer.bridged_to is not None, what="customer bridged to agent")
    agent_leg = desk.board.tracker.legs[customer.bridged_to]
    assert agent_leg.variables["calldesk_agent"] == "alice"
    wait_for(lambda: "interaction.ended" in desk.kinds(caller), what="customer hung up")
    wait_for(lambda: made[0].legs.active("carrier-b") == 0, what="trunk leg counted down")
    wait_for(lambda: desk.acd.agents["alice"].state is AgentState.AVAILABLE, what="alice free")


def test_premium_callback_number_is_refused_and_never_dialled(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    made: list[OutboundDialer] = []
    desk, caller = callback(sim, desk_factory, "+19005551234", made)
    wait_for(lambda: "interaction.overflowed" in desk.kinds(caller), timeout=10, what="gave up")
    refused = [e.data for e in desk.store.journal.read(subject=caller, kind="outbound.refused")]
    assert refused and refused[0]["code"] == "premium"
    assert "outbound.attempt" not in desk.kinds(caller)
    failed = [e.data for e in desk.store.journal.read(subject=caller, kind="callback.failed")]
    assert failed[0]["cause"] == "refused_premium"
    assert len(refused) == len(failed) == 1  # a refusal is final: no retry

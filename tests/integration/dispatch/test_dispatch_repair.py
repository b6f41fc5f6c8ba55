"""Reconciliation (legs lost behind the ACD's back), off-queue calls, and restart recovery."""

from __future__ import annotations

from tests.integration.dispatch.helpers import wait_for

from calldesk.acd import AgentConfig, AgentState
from calldesk.sim import PhoneBehavior


def agent(aid: str, contact: str) -> AgentConfig:
    return AgentConfig(aid, contact, queues=("sales",))


def vanish(sim, uuid: str) -> None:
    """The switch loses a leg and no event says so (a missed event, a confused switch)."""
    sim.forget(sim.legs[uuid])


def repairs(desk) -> list[str]:
    return [e.data["what"] for e in desk.store.journal.read(kind="acd.repair")]


def test_waiting_caller_lost_behind_our_back_is_counted_abandoned(sim, desk_factory) -> None:
    desk = desk_factory([agent("alice", "user/1001")])
    caller = desk.call()
    vanish(sim, caller)
    assert caller in desk.acd.interactions  # nobody told the ACD
    desk.svc.reconcile_now()
    wait_for(lambda: caller not in desk.acd.interactions, what="repaired")
    assert repairs(desk) == ["caller leg gone"]
    assert "interaction.abandoned" in desk.kinds(caller)


def test_agent_leg_lost_during_talk_frees_the_agent(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    desk = desk_factory([agent("alice", "user/1001")])
    desk.svc.login("alice", ready=True)
    caller = desk.call()
    wait_for(lambda: "interaction.bridged" in desk.kinds(caller), what="bridged")
    wait_for(lambda: desk.board.tracker.legs[caller].bridged_to, what="bridge event")
    alice = desk.acd.agents["alice"]
    vanish(sim, desk.board.tracker.legs[caller].bridged_to)
    desk.svc.reconcile_now()
    wait_for(lambda: alice.state is not AgentState.BUSY, what="alice freed")
    assert repairs(desk) == ["call legs gone"]
    assert "interaction.ended" in desk.kinds(caller)
    wait_for(lambda: caller not in desk.board.tracker.legs, what="caller hung up")
    wait_for(lambda: alice.state is AgentState.AVAILABLE, what="after wrap-up")


def test_reconcile_runs_by_itself_every_period(sim, desk_factory) -> None:
    desk = desk_factory([agent("alice", "user/1001")], reconcile_every_s=5.0)
    caller = desk.call()
    vanish(sim, caller)
    wait_for(lambda: caller not in desk.acd.interactions, what="periodic repair")
    assert repairs(desk) == ["caller leg gone"]


def test_a_direct_call_makes_the_agent_busy(sim, desk_factory) -> None:
    desk = desk_factory([agent("alice", "user/1001")])
    desk.svc.login("alice", ready=True)
    alice = desk.acd.agents["alice"]
    # alice's own phone places a call (not through the ACD)
    direct = sim.inject_call(did="5551000", caller_id="1001")
    wait_for(lambda: alice.state is AgentState.BUSY, what="busy on a direct call")
    caller = desk.call()
    assert desk.acd.interactions[caller].state.value == "waiting"
    sim.hangup(direct)
    wait_for(lambda: "interaction.offered" in desk.kinds(caller), what="offered after")


def test_direct_call_lost_behind_our_back_is_repaired(sim, desk_factory) -> None:
    desk = desk_factory([agent("alice", "user/1001")])
    desk.svc.login("alice", ready=True)
    alice = desk.acd.agents["alice"]
    direct = sim.inject_call(did="5551000", caller_id="1001")
    wait_for(lambda: alice.state is AgentState.BUSY, what="busy")
    vanish(sim, direct)
    desk.svc.reconcile_now()
    wait_for(lambda: alice.state is AgentState.AVAILABLE, what="freed")
    assert repairs(desk) == ["off-queue call leg gone"]

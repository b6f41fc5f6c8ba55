"""The whole path over real TCP against the simulated switch: enqueue -> offer -> originate ->
bridge -> hangup -> wrap-up -> available, and what goes wrong on the way."""

from __future__ import annotations

from tests.integration.dispatch.helpers import wait_for

from calldesk.acd import AgentConfig, AgentState
from calldesk.sim import PhoneBehavior


def agent(aid: str, user: str, **kw) -> AgentConfig:
    return AgentConfig(aid, f"user/{user}", queues=("sales",), **kw)


def test_call_reaches_an_agent_and_the_agent_comes_back(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=1.0, hangup_after=5))
    desk = desk_factory([agent("alice", "1001")])
    assert desk.svc.login("alice", ready=True) == []
    caller = desk.call(caller_id="+15550101")
    a = desk.acd.agents["alice"]
    wait_for(lambda: a.state is AgentState.BUSY, what="agent busy")
    leg = desk.board.tracker.legs[caller]
    wait_for(lambda: leg.bridged_to is not None, what="bridged")
    agent_leg = desk.board.tracker.legs[leg.bridged_to]
    assert agent_leg.variables["calldesk_offer"].startswith(caller)
    assert agent_leg.variables["calldesk_role"] == "agent"
    assert agent_leg.caller_name == "sales:+15550101"
    # the agent hangs up after 5 s: the caller is hung up, wrap-up, then available again
    wait_for(lambda: a.state is AgentState.WRAP_UP, what="wrap-up")
    wait_for(lambda: not leg.alive, what="caller hung up")
    wait_for(lambda: a.state is AgentState.AVAILABLE, what="available")
    kinds = desk.kinds(caller)
    for k in ("interaction.arrived", "interaction.offered", "interaction.answered",
              "interaction.bridged", "interaction.ended"):  # fmt: skip
        assert k in kinds
    pops = desk.svc.persist.screen_pops("alice")
    assert pops[0]["interaction"] == caller and pops[0]["data"]["reason"] == "billing"
    assert pops[0]["data"]["ivr_path"] == ["start", "menu"]
    assert "interaction.arrived" in [k for _, k in pops[0]["journey"]]
    assert a.handled == 1

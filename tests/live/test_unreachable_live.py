"""On a real switch: an agent whose phone cannot be reached is taken out of rotation.

The originate of the agent leg fails with USER_NOT_REGISTERED (FreeSWITCH's `error/` endpoint
answers every originate with the cause it names, as an unregistered `user/` does); the switch's
own `-ERR` reply makes the agent not-ready `unreachable`, and the caller is offered to the next
agent, whose leg the switch really bridges (CHANNEL_BRIDGE on the caller's leg)."""

from __future__ import annotations

import time

import gevent
import pytest
from tests.live.conftest import ANSWERS, hang_up_role, parked_loopback
from tests.live.test_acd_live import enqueue, wait_for

from calldesk.acd import Acd, AgentConfig, AgentPolicy, QueueConfig
from calldesk.app import wire_acd
from calldesk.engine import DispatchSettings
from calldesk.store import Store

pytestmark = pytest.mark.live_freeswitch


def test_unregistered_phone_sends_the_agent_to_not_ready(live_board, tmp_path) -> None:
    conn = next(iter(live_board.switches.values()))
    agents = [AgentConfig("ghost", "error/user_not_registered", queues=("sales",)),
              AgentConfig("alice", ANSWERS, queues=("sales",))]
    acd = Acd([QueueConfig("sales", wrap_up_s=1)], agents, policy=AgentPolicy(lease_s=6))
    svc, _ = wire_acd(acd, live_board, Store.open(tmp_path / "acd.sqlite"), time.time,
                      DispatchSettings(moh="silence_stream://-1"))
    svc.start()
    bridges: list[str] = []
    caller = parked_loopback(conn)
    live_board.tracker.subscribe(
        lambda leg, e: bridges.append(e.get("Other-Leg-Unique-ID") or "")
        if e.name == "CHANNEL_BRIDGE" and leg.uuid == caller else None
    )
    try:
        svc.login("ghost", ready=True)  # idle longest: offered first
        gevent.sleep(0.05)
        svc.login("alice", ready=True)
        enqueue(svc, caller)
        wait_for(lambda: list(svc.store.journal.read(kind="agent.unreachable")), what="unreachable")
        refused = next(svc.store.journal.read(kind="offer.refused"))
        assert refused.data["agent"] == "ghost" and refused.data["cause"] == "unreachable"
        ghost = svc.view.agent("ghost")
        assert ghost.state.value == "not_ready" and ghost.reason == "unreachable"
        wait_for(lambda: bridges, what="the switch's CHANNEL_BRIDGE for the caller")
        agent_leg = live_board.tracker.legs[bridges[0]]
        assert agent_leg.variables.get("calldesk_agent") == "alice"
        assert list(svc.store.journal.read(subject=caller, kind="interaction.bridged"))
    finally:
        conn.hangup(caller)
        hang_up_role(live_board, "agent")
        svc.stop()

"""The whole controller (`calldesk.app.build`) has call control and feature codes wired: a
feature code dialled on alice's phone logs her in, a call reaches her, a supervisor holds it
from the API, and her phone's REFER releases her while the customer's interaction goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.dispatch.helpers import request, wait_for

from calldesk.acd import AgentState
from calldesk.app import build
from calldesk.config import load_config
from calldesk.esl.connection import SwitchSettings
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.sim.apps import hold
from calldesk.sim.phones import press_transfer
from calldesk.store import Store

ROOT = Path(__file__).parents[3]
SCALE = 20.0
PASSWORD = "pw-callcontrol-wiring"


@pytest.fixture
def controller(tmp_path):  # type: ignore[no-untyped-def]
    sim = SimSwitch(password=PASSWORD, time_scale=SCALE, recordings_dir=tmp_path).start()
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.3))
    sim.dialplan.add("5556000", [("answer", ""), ("park", "")])
    config = load_config(ROOT / "calldesk.yaml", env={})
    config.data["recordings"] = {**config.data["recordings"], "dir": str(tmp_path / "rec")}
    c = build(config, store=Store.open(tmp_path / "s.sqlite"),
              switches=[SwitchSettings("sim", "127.0.0.1", sim.port, PASSWORD)],
              clock=sim.clock.epoch, time_scale=SCALE, check_trunks=False)  # fmt: skip
    assert all(c.start(wait=5).values())
    yield sim, c
    c.stop()
    sim.stop()


def test_feature_code_hold_and_refer_through_the_controller(controller) -> None:  # type: ignore[no-untyped-def]
    sim, c = controller
    alice = c.acd.acd.agents["alice"]
    sim.dialplan.add("*41", [("set", "calldesk_kind=agent_feature"), ("set", "calldesk_role=feature"),
                             ("set", "calldesk_feature=login"),
                             ("set", "calldesk_from_agent=alice"), ("park", "")],
                     context="calldesk_agents")  # fmt: skip
    sim.inject_call("*41", caller_id="1001", context="calldesk_agents")
    wait_for(lambda: alice.logged_in, what="logged in from the phone")
    c.acd.ready("alice")
    iid = sim.inject_call("5551000")
    wait_for(lambda: (x := c.board.tracker.legs.get(iid)) is not None and x.parked, what="parked")
    c.acd.enqueue(request(iid, "general", "+15550101"))
    wait_for(lambda: alice.state is AgentState.BUSY, what="alice on the call")
    agent_leg = wait_for(lambda: (x := sim.legs.get(iid)) and x.peer and x.peer.uuid, what="bridge")
    sam = c.call_control.directory.user("sam")  # supervisor of alice's team
    c.call_control.hold(sam, iid)
    wait_for(lambda: hold.is_held(sim.legs[agent_leg]), what="held on the switch")
    c.call_control.unhold(sam, iid)
    press_transfer(sim, agent_leg, "5556000")
    wait_for(lambda: alice.state is AgentState.WRAP_UP, what="alice released by her REFER")
    assert iid in c.acd.acd.interactions and iid in sim.legs  # the customer goes on
    kinds = [e.kind for e in c.store.journal.read(subject=iid) if e.kind.startswith("call.")]
    assert kinds == ["call.hold", "call.unhold", "call.transfer"]

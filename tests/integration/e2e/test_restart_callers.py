"""A caller who arrived while no controller was running (its park came and went unseen) still
gets the IVR once `serve` starts: resync finds the parked inbound leg with no run and starts its
flow (issue: such a caller sat parked for 11 minutes across three restarts)."""

from __future__ import annotations

from pathlib import Path

import gevent

from calldesk.app import build
from calldesk.config import load_config
from calldesk.esl.connection import SwitchSettings
from calldesk.sim import SimSwitch
from calldesk.store import Store

ROOT = Path(__file__).parents[3]


def test_a_caller_parked_while_down_gets_the_flow(tmp_path) -> None:
    config = load_config(ROOT / "calldesk.yaml", env={})
    config.data["recordings"] = {**config.data["recordings"], "dir": str(tmp_path / "rec")}
    sim = SimSwitch(password="pw-restart-ivr", time_scale=50.0, recordings_dir=tmp_path).start()
    sim.dialplan.add_did("+15559990000", {"calldesk_flow": "hello"})
    early = sim.inject_call(did="+15559990000", dtmf=[(30.0, "1")])  # nobody is watching yet
    desk_call = sim.inject_call(did="+15559990000", variables={"calldesk_kind": "agent_call"})
    controller = build(config, store=Store.open(tmp_path / "s.sqlite"),
                       switches=[SwitchSettings("sim", "127.0.0.1", sim.port, "pw-restart-ivr")],
                       clock=sim.clock.epoch, time_scale=50.0, check_trunks=False)
    try:
        assert all(controller.start(wait=5).values())
        journal = controller.store.journal
        with gevent.Timeout(10):  # the flow starts on the leg, under an interaction of its own
            while (iid := controller.interactions.last_at(early)) is None:
                gevent.sleep(0.02)
            while not list(journal.read(subject=iid, kind="ivr.started")):
                gevent.sleep(0.02)
        started = next(journal.read(subject=iid, kind="ivr.started"))
        assert started.data["flow"] == "hello"
        assert controller.interactions.last_at(desk_call) is None  # a desk call is not a customer
        with gevent.Timeout(10):  # and the flow runs to the queue as for any caller
            while not list(journal.read(subject=iid, kind="interaction.arrived")):
                gevent.sleep(0.02)
    finally:
        controller.stop()
        sim.stop()

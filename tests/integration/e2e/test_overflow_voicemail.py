"""A caller who waits too long leaves the queue for voicemail: the ACD's overflow runs the
shipped `voicemail` flow on the caller's own leg (no FreeSWITCH voicemail extension needed),
over real TCP against the simulated switch, through the whole controller."""

from __future__ import annotations

from pathlib import Path

import gevent
import pytest

from calldesk.app import build
from calldesk.config import load_config
from calldesk.esl.connection import SwitchSettings
from calldesk.sim import SimSwitch
from calldesk.store import Store

ROOT = Path(__file__).parents[3]


@pytest.mark.timeout(60)
def test_max_wait_overflow_runs_the_voicemail_flow(tmp_path) -> None:
    config = load_config(ROOT / "calldesk.yaml", env={})
    general = next(q for q in config.data["queues"] if q["name"] == "general")
    general.update(max_wait_s=20, overflow=[])  # nobody logged in: the wait runs out
    config.data["recordings"] = {**config.data["recordings"], "dir": str(tmp_path / "rec")}
    sim = SimSwitch(password="pw-vm", time_scale=50.0, recordings_dir=tmp_path / "rec").start()
    sim.dialplan.add_did("5550000")
    controller = build(config, store=Store.open(tmp_path / "s.sqlite"),
                       switches=[SwitchSettings("sim", "127.0.0.1", sim.port, "pw-vm")],
                       clock=sim.clock.epoch, time_scale=50.0, check_trunks=False)  # fmt: skip
    try:
        assert all(controller.start(wait=5).values())
        caller = sim.inject_call(did="5550000", dtmf=[(1.0, "1")], hangup_after=60)
        journal = controller.store.journal
        with gevent.Timeout(10):  # the interaction the caller's leg opened (its id is its own)
            while (iid := controller.interactions.last_at(caller)) is None:
                gevent.sleep(0.05)

        def finished() -> list:
            return [e for e in journal.read(subject=iid, kind="ivr.finished")]

        with gevent.Timeout(30):
            while len(finished()) < 2:
                gevent.sleep(0.05)
        flows = [e.data.get("flow") for e in journal.read(subject=iid, kind="ivr.started")]
        assert flows == ["hello", "voicemail"]
        kinds = [e.kind for e in journal.read(subject=iid)]
        assert kinds.index("interaction.overflowed") < len(kinds) - 1
        steps = [e.data.get("step") for e in journal.read(subject=iid, kind="ivr.step")]
        assert "leave_message" in steps
        run = controller.ivr.runs.load(iid)
        assert run is not None and run.flow == "voicemail" and run.variables.get("voicemail")
        assert Path(run.variables["voicemail"]).exists()  # the message, as a real WAV file
    finally:
        controller.stop()
        sim.stop()

"""A caller whose flow cannot run is never left parked in silence: a prompt that fails at render
time, or a number whose flow file was deleted, takes `flows.fallback` (here: a queue), and the
failure is journaled with the flow file's line."""

from __future__ import annotations

from pathlib import Path

import gevent

from calldesk.app import build
from calldesk.config import load_config
from calldesk.esl.connection import SwitchSettings
from calldesk.sim import SimSwitch
from calldesk.store import Store

ROOT = Path(__file__).parents[3]
BROKEN = """\
flow: broken
bindings:
  numbers: ["5553000"]
entry: greet
steps:
  greet:
    kind: play
    prompt: "Your balance is {{ 1/0 }}."
    next: bye
  bye:
    kind: hangup
"""


def controller(tmp_path, sim, fallback: str):
    config = load_config(ROOT / "calldesk.yaml", env={})
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "broken.yaml").write_text(BROKEN)
    (flows / "hello.yaml").write_text((ROOT / "ivrflows" / "hello.yaml").read_text())
    config.data["flows"] = {**config.data["flows"], "dir": str(flows), "fallback": fallback,
                            "reload_interval": 0.05}
    config.data["recordings"] = {**config.data["recordings"], "dir": str(tmp_path / "rec")}
    return build(config, store=Store.open(tmp_path / "s.sqlite"),
                 switches=[SwitchSettings("sim", "127.0.0.1", sim.port, "pw-fallback")],
                 clock=sim.clock.epoch, time_scale=50.0, check_trunks=False), flows


def wait_kind(c, leg: str, kind: str):
    with gevent.Timeout(10, AssertionError(f"no {kind} for {leg}")):
        while True:
            iid = c.interactions.last_at(leg)
            found = list(c.store.journal.read(subject=iid, kind=kind)) if iid else []
            if found:
                return found[0]
            gevent.sleep(0.02)


def test_a_template_failing_at_run_time_takes_the_fallback(tmp_path) -> None:
    sim = SimSwitch(password="pw-fallback", time_scale=50.0, recordings_dir=tmp_path).start()
    sim.dialplan.add_did("5553000")
    c, _ = controller(tmp_path, sim, "queue:support")
    try:
        assert all(c.start(wait=5).values())
        leg = sim.inject_call(did="5553000")
        finished = wait_kind(c, leg, "ivr.finished")
        assert finished.data["status"] == "failed"
        assert "broken.yaml:6: broken.greet: ZeroDivisionError" in finished.data["detail"]
        fell = wait_kind(c, leg, "ivr.fallback")
        assert fell.data["fallback"] == "queue"
        arrived = wait_kind(c, leg, "interaction.arrived")  # a person will answer, in order
        assert arrived.data["queue"] == "support"
        assert c.board.tracker.legs[leg].alive
    finally:
        c.stop()
        sim.stop()


def test_a_deleted_flow_hangs_up_with_an_announcement_not_silence(tmp_path) -> None:
    sim = SimSwitch(password="pw-fallback", time_scale=50.0, recordings_dir=tmp_path).start()
    sim.dialplan.add_did("5553000")
    c, flows = controller(tmp_path, sim, "hangup")
    try:
        assert all(c.start(wait=5).values())
        (flows / "broken.yaml").unlink()  # the operator deletes the file while calls arrive
        with gevent.Timeout(5):
            while c.ivr.library.for_number("5553000") is not None:
                gevent.sleep(0.02)
        seen: list[str] = []
        c.board.tracker.subscribe(lambda leg, e: seen.append(
            (e.get("Application") or "") if e.name == "CHANNEL_EXECUTE" else e.name))
        leg = sim.inject_call(did="5553000")
        fell = wait_kind(c, leg, "ivr.fallback")
        assert fell.data["fallback"] == "hangup" and "no flow" in fell.data["reason"]
        with gevent.Timeout(10):
            while c.board.tracker.legs.get(leg) is not None and c.board.tracker.legs[leg].alive:
                gevent.sleep(0.02)
        assert "playback" in seen  # the announcement played before the hangup
    finally:
        c.stop()
        sim.stop()

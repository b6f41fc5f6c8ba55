"""An agent leg the store never learned of (the controller died between the originate and the
write of its leg map) is found again after the restart by its variables, asked from the switch:
before, `show channels` gave it no role, so the ACD took it for the agent's own call: the offer
was lost and the agent stayed busy on an "off-queue call" nobody would ever hang up (found by the
restart chaos test)."""

from __future__ import annotations

import gevent
from tests.integration.e2e.serveproc import DID, PASSWORD, site_config

from calldesk.app import build
from calldesk.config import load_config
from calldesk.esl.connection import SwitchSettings
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.store import Store

SCALE = 5.0


def _controller(cfg, tmp_path, sim):
    c = build(load_config(cfg, env={}), store=Store.open(tmp_path / "calldesk.sqlite"),
              switches=[SwitchSettings("sim1", "127.0.0.1", sim.port, PASSWORD)],
              clock=sim.clock.epoch, time_scale=SCALE, check_trunks=False)
    assert all(c.start(wait=5).values())
    return c


def _wait(predicate, what: str, timeout: float = 10.0) -> None:
    with gevent.Timeout(timeout, AssertionError(what)):
        while not predicate():
            gevent.sleep(0.02)


def _forget_agent_legs(tmp_path) -> None:
    store = Store.open(tmp_path / "calldesk.sqlite")
    store.db.execute("DELETE FROM acd_legs WHERE key LIKE 'offer:%' OR key LIKE 'talk:%'")
    store.close()


def test_an_answered_agent_leg_the_store_never_learned_is_the_call_after_a_restart(
        tmp_path) -> None:
    sim = SimSwitch(password=PASSWORD, time_scale=SCALE, recordings_dir=tmp_path / "rec").start()
    sim.dialplan.add_did(DID, {"calldesk_flow": "quick"})
    sim.add_phone("user/2002", PhoneBehavior.answer(after=4.0))  # answers while no one watches
    cfg = site_config(tmp_path, sim.port, agents=1)
    first = _controller(cfg, tmp_path, sim)
    second = None
    try:
        first.acd.login("a1", ready=True)
        caller = sim.inject_call(did=DID, caller_id="+15550133")
        def agent_leg() -> str:
            return next((leg.uuid for leg in list(first.board.tracker.legs.values())
                         if leg.variables.get("calldesk_role") == "agent"), "")

        _wait(lambda: bool(agent_leg()), "agent leg ringing")
        first.stop()
        _forget_agent_legs(tmp_path)  # as if the controller died before writing them
        _wait(lambda: sim.get_leg(agent_leg()).times["Answered"] > 0, "the agent answered")
        second = _controller(cfg, tmp_path, sim)
        journal = second.store.journal
        _wait(lambda: any(e.data.get("caller") == caller
                          for e in journal.read(kind="interaction.bridged")), "bridged", 20)
        repairs = [e.data["what"] for e in journal.read(kind="acd.repair")]
        assert "off-queue call found" not in repairs and "offer has no live agent leg" not in repairs
        assert "agent answered while no one watched" in repairs
        assert second.acd.view.agent("a1").state.value == "busy"
        assert not second.acd.view.agent("a1").direct
        sim.hangup(caller)
        _wait(lambda: second.acd.view.agent("a1").state.value == "available", "a1 available")
    finally:
        if second is not None:
            second.stop()
        sim.stop()


def test_a_connected_call_whose_agent_leg_was_never_written_down_goes_on_after_a_restart(
        tmp_path) -> None:
    sim = SimSwitch(password=PASSWORD, time_scale=SCALE, recordings_dir=tmp_path / "rec").start()
    sim.dialplan.add_did(DID, {"calldesk_flow": "quick"})
    sim.add_phone("user/2002", PhoneBehavior.answer(after=0.5))
    cfg = site_config(tmp_path, sim.port, agents=1)
    first = _controller(cfg, tmp_path, sim)
    second = None
    try:
        first.acd.login("a1", ready=True)
        caller = sim.inject_call(did=DID, caller_id="+15550134")
        _wait(lambda: any(e.data.get("caller") == caller
                          for e in first.store.journal.read(kind="interaction.bridged")), "bridged")
        first.stop()
        _forget_agent_legs(tmp_path)
        second = _controller(cfg, tmp_path, sim)
        _wait(lambda: any(e.kind == "acd.recovered" for e in second.store.journal.read(
            kind="acd.recovered")), "recovered")
        gevent.sleep(1.0)  # the recovery reconcile has run; the call must still be up
        assert sim.get_leg(caller) is not None, "the restart hung up a live call"
        assert second.acd.view.agent("a1").state.value == "busy"
        assert not second.acd.view.agent("a1").direct
        sim.hangup(caller)
        _wait(lambda: second.acd.view.agent("a1").state.value != "busy", "a1 freed")
        ended = list(second.store.journal.read(kind="interaction.ended"))
        assert ended and ended[-1].data["cause"] != "reconciled"
    finally:
        if second is not None:
            second.stop()
        sim.stop()


def test_a_bridge_no_controller_saw_is_recorded_after_the_restart(tmp_path) -> None:
    """The controller died between the switch's bridge and the recording policy (found by the
    restart chaos test): the call was never recorded. Here the first controller records nothing
    (its policy: never); the restarted one (always) records the call it finds bridged."""
    sim = SimSwitch(password=PASSWORD, time_scale=SCALE, recordings_dir=tmp_path / "rec").start()
    sim.dialplan.add_did(DID, {"calldesk_flow": "quick"})
    sim.add_phone("user/2002", PhoneBehavior.answer(after=0.5))
    cfg = site_config(tmp_path, sim.port, agents=1)
    never = tmp_path / "never.yaml"
    never.write_text(cfg.read_text().replace("mode: always", "mode: never"))
    first = _controller(never, tmp_path, sim)
    second = None
    try:
        first.acd.login("a1", ready=True)
        caller = sim.inject_call(did=DID, caller_id="+15550135")
        _wait(lambda: any(e.data.get("caller") == caller
                          for e in first.store.journal.read(kind="interaction.bridged")), "bridged")
        first.stop()
        second = _controller(cfg, tmp_path, sim)
        index = second.recorder.index
        _wait(lambda: any(True for _ in index.search(status="recording")), "recording started")
        gevent.sleep(0.5)
        sim.hangup(caller)
        _wait(lambda: any(r.status == "complete" for r in index.search()), "recording settled")
        [row] = list(index.search())
        assert row.legs[0] == caller and row.agent == "a1" and row.queue == "sales"
    finally:
        if second is not None:
            second.stop()
        sim.stop()

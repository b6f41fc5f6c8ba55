"""Overload through the whole controller (`calldesk.app.build`) on the simulated switch: while
the controller is behind, a new caller hears the busy announcement and is hung up, with one
`intake.shed` journal row and no interaction left open; once it has caught up, the next caller
gets the flow as usual."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.dispatch.helpers import wait_for

from calldesk.app import build
from calldesk.config import load_config
from calldesk.esl.connection import SwitchSettings
from calldesk.sim import SimSwitch
from calldesk.store import Store

ROOT = Path(__file__).parents[3]
SCALE = 20.0
PASSWORD = "pw-overload-shed"


@pytest.fixture
def controller(tmp_path):  # type: ignore[no-untyped-def]
    sim = SimSwitch(password=PASSWORD, time_scale=SCALE, recordings_dir=tmp_path).start()
    config = load_config(ROOT / "calldesk.yaml", env={})
    config.data["recordings"] = {**config.data["recordings"], "dir": str(tmp_path / "rec")}
    c = build(
        config,
        store=Store.open(tmp_path / "s.sqlite"),
        switches=[SwitchSettings("sim", "127.0.0.1", sim.port, PASSWORD)],
        clock=sim.clock.epoch,
        time_scale=SCALE,
        check_trunks=False,
    )
    assert all(c.start(wait=5).values())
    yield sim, c
    c.stop()
    sim.stop()


def test_a_caller_arriving_while_the_controller_is_behind_is_turned_away_busy(controller) -> None:  # type: ignore[no-untyped-def]
    sim, c = controller
    admission = c.admission
    assert admission is not None and admission.shed_lag_s > 0  # on by default
    admission.shedding, resume = True, admission.resume_lag_s
    admission.resume_lag_s = -1.0  # behind, and not catching up while this caller arrives
    shed = sim.inject_call("5551000", caller_id="+15550199")
    leg = wait_for(lambda: (x := c.board.tracker.get(shed)) and not x.alive and x, what="hung up")
    assert leg.hangup_cause == "USER_BUSY"
    # What the switch did on that leg: the busy announcement, then the hangup (its events).
    fired = [e for e in sim.history if e.uuid == shed]
    played = [
        dict(e.headers).get("Playback-File-Path", "") for e in fired if e.name == "PLAYBACK_START"
    ]
    assert played and played[0].endswith("ivr-all_circuits_busy.wav")
    names = [e.name for e in fired]
    assert names.index("PLAYBACK_START") < names.index("CHANNEL_HANGUP")
    rows = wait_for(lambda: list(c.store.journal.read(kind="intake.shed")), what="journaled")
    assert [(r.subject, r.data["caller"], r.data["cause"]) for r in rows] == [
        (shed, "+15550199", "USER_BUSY")
    ]
    assert c.interactions.last_at(shed) is None  # nothing was taken on, nothing left open
    assert admission.shed == 1 and c.intake.owner.get(shed) in (None, "shed")

    admission.shedding, admission.resume_lag_s = False, resume  # caught up
    taken = sim.inject_call("5551000", caller_id="+15550200")
    wait_for(lambda: c.interactions.last_at(taken) is not None, what="the flow took the caller")
    assert admission.shed == 1


def test_late_caller_events_put_the_reader_at_the_intake_first_pace(controller) -> None:  # type: ignore[no-untyped-def]
    sim, c = controller
    admission, conn = c.admission, c.board.switches["sim"]
    assert admission is not None and conn._proto is not None
    assert conn._proto.yield_every == 2
    admission.pace_lag_s = -1.0  # every caller's park reads as late
    first = sim.inject_call("5551000", caller_id="+15550201")
    wait_for(lambda: c.interactions.last_at(first) is not None, what="the flow took the caller")
    assert admission.behind and conn._proto.yield_every == 16
    admission.pace_lag_s = 60.0  # caught up
    second = sim.inject_call("5551000", caller_id="+15550202")
    wait_for(lambda: c.interactions.last_at(second) is not None, what="the flow took the caller")
    assert not admission.behind and conn._proto.yield_every == 2

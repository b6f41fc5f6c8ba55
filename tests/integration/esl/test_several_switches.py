"""One controller, two switches: each its own connection and health; commands for a leg go to
the switch that holds it; one switch dying leaves the other serving."""

from __future__ import annotations

import gevent
import pytest

from calldesk.errors import NotConnected
from calldesk.esl.connection import SwitchConnection, SwitchSettings
from calldesk.sim import SimSwitch
from calldesk.telephony.switchboard import Switchboard


def wait_for(predicate, timeout: float = 5.0) -> None:
    with gevent.Timeout(timeout, AssertionError("condition not met in time")):
        while not predicate():
            gevent.sleep(0.01)


@pytest.fixture
def two_sims(tmp_path):
    sims = [
        SimSwitch(
            password=f"pw-node-{i}", time_scale=20.0, recordings_dir=tmp_path / str(i)
        ).start()
        for i in (1, 2)
    ]
    yield sims
    for sim in sims:
        sim.stop()


def test_legs_know_their_switch_and_commands_follow_them(two_sims) -> None:
    a, b = two_sims
    board = Switchboard([
        SwitchConnection(SwitchSettings("fs-a", "127.0.0.1", a.port, "pw-node-1", backoff_initial=0.05)),
        SwitchConnection(SwitchSettings("fs-b", "127.0.0.1", b.port, "pw-node-2", backoff_initial=0.05)),
    ])  # fmt: skip
    try:
        assert board.start(wait=5) == {"fs-a": True, "fs-b": True}
        on_a = a.inject_call(did="5551000", caller_id="+15550001")
        on_b = b.inject_call(did="5551000", caller_id="+15550002")
        wait_for(lambda: on_a in board.tracker.legs and on_b in board.tracker.legs)
        assert board.tracker.switch_of(on_a) == "fs-a" and board.tracker.switch_of(on_b) == "fs-b"
        assert board.for_leg(on_b).hangup(on_b)  # sent to fs-b, the only one that knows it
        wait_for(lambda: on_b not in board.tracker.legs)
        assert on_a in a.legs and on_b not in b.legs
        health = board.health()
        assert health["fs-a"]["legs"] == 1 and health["fs-b"]["legs"] == 0

        a.crash()  # one node dies; the other keeps serving and takes new work
        wait_for(lambda: board.health()["fs-a"]["state"] != "ready")
        assert on_a not in board.tracker.legs or board.tracker.legs[on_a].switch == "fs-a"
        assert board.pick().name == "fs-b"
        assert board.switches["fs-b"].api("status").startswith("UP")
        with pytest.raises(NotConnected):
            board.switches["fs-a"].api("status")
    finally:
        board.stop()

"""The controller's ESL layer against the simulated switch over real TCP: legs flow, executes
complete by Application-UUID, bgapi originate reaches phones, resync after the switch restarts."""

from __future__ import annotations

import gevent
import pytest

from calldesk.esl.connection import SwitchConnection, SwitchSettings
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.telephony.switchboard import Switchboard

PASSWORD = "test-sim-pw"


@pytest.fixture
def sim(tmp_path):
    switch = SimSwitch(password=PASSWORD, time_scale=20.0, recordings_dir=tmp_path).start()
    yield switch
    switch.stop()


@pytest.fixture
def board(sim):
    conn = SwitchConnection(
        SwitchSettings("sim1", "127.0.0.1", sim.port, PASSWORD, command_timeout=3.0)
    )
    board = Switchboard([conn])
    # a cap, not a pause: ready takes milliseconds, but a loaded box has taken more than 5 s
    assert board.start(wait=30) == {"sim1": True}
    yield board
    board.stop()


def wait_for(predicate, timeout: float = 10.0) -> None:
    with gevent.Timeout(timeout, AssertionError("condition not met in time")):
        while not predicate():
            gevent.sleep(0.01)


def test_inbound_call_parks_and_is_tracked(sim, board) -> None:
    uuid = sim.inject_call(did="5551000", caller_id="+15550101")
    wait_for(lambda: uuid in board.tracker.legs and board.tracker.legs[uuid].parked)
    leg = board.tracker.legs[uuid]
    assert leg.caller_number == "+15550101" and leg.destination == "5551000"
    assert leg.switch == "sim1" and leg.status == "answered"


def test_execute_completes_by_application_uuid(sim, board) -> None:
    uuid = sim.inject_call(did="5551000")
    wait_for(lambda: uuid in board.tracker.legs and board.tracker.legs[uuid].parked)
    conn = board.for_leg(uuid)
    a = conn.execute_async(uuid, "playback", "silence_stream://400")
    b = conn.execute_async(uuid, "playback", "tone_stream://%(200,0,440)")
    done_a, done_b = a.get(timeout=5), b.get(timeout=5)
    assert done_a.get("Application-Data") == "silence_stream://400"
    assert done_b.get("Application-Data") == "tone_stream://%(200,0,440)"
    assert done_a.get("Application-Response") == "FILE PLAYED"


def test_play_and_get_digits_with_dtmf_typed_during_the_prompt(sim, board) -> None:
    uuid = sim.inject_call(did="5551000")
    wait_for(lambda: uuid in board.tracker.legs and board.tracker.legs[uuid].parked)
    conn = board.for_leg(uuid)
    args = "1 4 1 5000 # silence_stream://2000 silence_stream://100 pin \\d+"
    pending = conn.execute_async(uuid, "play_and_get_digits", args)
    wait_for(lambda: board.tracker.legs[uuid].application == "play_and_get_digits")
    sim.send_dtmf(uuid, "42#")
    done = pending.get(timeout=10)
    assert done.var("pin") == "42" and done.var("read_result") == "success"


def test_bgapi_originate_to_phones(sim, board) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    sim.add_phone("user/1002", PhoneBehavior.busy())
    conn = board.switches["sim1"]
    ok = conn.bgapi("originate", "{calldesk_role=agent}user/1001 &park()").get(timeout=5)
    busy = conn.bgapi("originate", "user/1002 &park()").get(timeout=5)
    assert ok.startswith("+OK ")
    assert busy.strip() == "-ERR USER_BUSY"
    agent = ok.split()[1]
    wait_for(lambda: agent in board.tracker.legs and board.tracker.legs[agent].parked)
    assert board.tracker.legs[agent].variables.get("calldesk_role") == "agent"


def test_uuid_bridge_then_caller_hangup_clears_both(sim, board) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.2))
    caller = sim.inject_call(did="5551000")
    wait_for(lambda: caller in board.tracker.legs and board.tracker.legs[caller].parked)
    conn = board.for_leg(caller)
    agent = conn.api("originate", "user/1001 &park()", timeout=5).split()[1]
    assert conn.api("uuid_bridge", caller, agent).startswith("+OK")
    wait_for(lambda: board.tracker.legs[caller].bridged_to == agent)
    assert [len(c) for c in board.tracker.calls()] == [2]
    sim.hangup(caller)
    wait_for(lambda: caller not in board.tracker.legs and agent not in board.tracker.legs)
    assert board.tracker.get(agent).hangup_cause == "NORMAL_CLEARING"


def test_dead_leg_commands_fail_cleanly(sim, board) -> None:
    conn = board.switches["sim1"]
    assert conn.hangup("00000000-0000-0000-0000-000000000000") is False
    with pytest.raises(Exception, match="invalid session id"):
        conn.execute("00000000-0000-0000-0000-000000000000", "answer", timeout=2)
    assert conn.ready


def test_resync_after_switch_restart_drops_vanished_legs(sim, board, tmp_path) -> None:
    uuid = sim.inject_call(did="5551000")
    wait_for(lambda: uuid in board.tracker.legs)
    conn = board.switches["sim1"]
    port = sim.port
    sim.crash()  # every socket drops, every leg is gone
    wait_for(lambda: not conn.ready, timeout=3)
    replacement = SimSwitch(
        password=PASSWORD, port=port, time_scale=20.0, recordings_dir=tmp_path
    ).start()
    try:
        assert conn.wait_ready(timeout=10)
        assert uuid not in board.tracker.legs
        survivor = replacement.inject_call(did="5551000")
        wait_for(lambda: survivor in board.tracker.legs)
    finally:
        replacement.stop()

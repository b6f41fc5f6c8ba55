"""Phones that press keys after answering, on every kind of originated leg."""

from __future__ import annotations

import pytest
from tests.eventually import eventually

from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.sim.api import run_api
from calldesk.sim.legs import Message


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="pw", time_scale=50.0, recordings_dir=tmp_path)
    s.add_phone("user/1001", PhoneBehavior.answer(after=0.5, dtmf=[(0.0, "1"), (1.0, "23")]))
    yield s
    s.stop()


def _digits(sw: SimSwitch, uuid: str) -> str:
    return "".join(
        e.get("DTMF-Digit") or "" for e in sw.history if e.name == "DTMF" and e.uuid == uuid
    )


def _await_digits(sw: SimSwitch, uuid: str, n: int) -> None:
    eventually(lambda: len(_digits(sw, uuid)) >= n, f"{n} DTMF digits on {uuid}",
               detail=lambda: _digits(sw, uuid))  # fmt: skip


def test_originate_park(sw: SimSwitch) -> None:
    uuid = run_api(sw, "originate", "user/1001 &park()").split()[1]
    _await_digits(sw, uuid, 3)
    assert _digits(sw, uuid) == "123"
    run_api(sw, "uuid_kill", uuid)


def test_originate_play_and_get_digits(sw: SimSwitch) -> None:
    app = "&play_and_get_digits(1 1 1 5000 # silence_stream://100 silence_stream://0 pick \\d)"
    uuid = run_api(sw, "originate", f"user/1001 {app}").split()[1]
    done = eventually(
        lambda: [e for e in sw.history if e.name == "CHANNEL_EXECUTE_COMPLETE" and e.uuid == uuid
                 and e.get("Application") == "play_and_get_digits"],
        "play_and_get_digits to complete",
    )  # fmt: skip
    assert done and done[0].get("variable_pick") == "1"


def test_bridge_app_callee(sw: SimSwitch) -> None:
    caller = sw.inject_call("5551000")
    eventually(lambda: any(e.name == "CHANNEL_PARK" and e.uuid == caller for e in sw.history),
               "the caller to park")  # fmt: skip
    sw.sendmsg(sw.legs[caller], Message("execute", "bridge", "user/1001"))
    callee = eventually(lambda: sw.legs[caller].peer, "the phone to answer the bridge")
    assert callee is not None
    _await_digits(sw, callee.uuid, 3)
    assert _digits(sw, callee.uuid) == "123"
    sw.hangup(caller)
    assert sw.wait_idle(5)


def test_uuid_bridged_agent_phone(sw: SimSwitch) -> None:
    caller = sw.inject_call("5551000")
    agent = run_api(sw, "originate", "user/1001 &park()").split()[1]
    assert run_api(sw, "uuid_bridge", f"{caller} {agent}") == f"+OK {agent}\n"
    _await_digits(sw, agent, 3)
    assert _digits(sw, agent) == "123"
    sw.hangup(caller)
    assert sw.wait_idle(5)

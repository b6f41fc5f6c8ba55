"""avmd on simulated legs: which leg hears a beep, and what a hangup fires (mod_avmd rules)."""

from __future__ import annotations

import pytest
from tests.eventually import eventually

from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.sim.api import run_api
from calldesk.sim.legs import Message


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    # The machine beeps 0.5 s of wall after its answer: avmd_start runs after the answer, and
    # with 20 ms (scale 50, beep at 1 s) or 100 ms (scale 10) a loaded box sometimes ran it
    # after the beep it must hear (failed in 2 of 3 full runs in two workers)
    s = SimSwitch(password="pw", time_scale=10.0, recordings_dir=tmp_path)
    s.add_phone("user/1006", PhoneBehavior.machine(after=0.5, beep_after=5.0))
    yield s
    s.stop()


def _names(sw: SimSwitch, uuid: str) -> list[str]:
    return [e.subclass or e.name for e in sw.history if e.uuid == uuid]


def _wait(sw: SimSwitch, secs: float) -> None:
    """Let simulated time pass: only before asserting that something did NOT happen."""
    sw.clock.sleep(secs)


def _await_name(sw: SimSwitch, uuid: str, name: str, count: int = 1) -> None:
    eventually(
        lambda: _names(sw, uuid).count(name) >= count,
        f"{count} x {name} on {uuid}",
        detail=lambda: _names(sw, uuid),
    )


def _await_app_done(sw: SimSwitch, uuid: str, app: str) -> None:
    eventually(
        lambda: any(e.name == "CHANNEL_EXECUTE_COMPLETE" and e.uuid == uuid
                    and e.get("Application") == app for e in sw.history),
        f"{app} to complete on {uuid}",
        detail=lambda: _names(sw, uuid),
    )  # fmt: skip


def test_machine_beep_heard_by_avmd_on_the_phone_leg(sw: SimSwitch) -> None:
    uuid = run_api(sw, "originate", "user/1006 avmd_start,park inline").split()[1]
    _await_name(sw, uuid, "avmd::beep", 2)  # the bare event, then the session's copy
    names = _names(sw, uuid)
    assert names.count("avmd::start") == 2 and names.count("avmd::beep") == 2
    assert run_api(sw, "uuid_kill", uuid) == "+OK\n"
    names = _names(sw, uuid)
    assert "avmd::stop" not in names  # a hangup only stops the media bug
    assert names.count("MEDIA_BUG_STOP") == 1


def test_no_beep_without_avmd_running(sw: SimSwitch) -> None:
    uuid = run_api(sw, "originate", "user/1006 &park()").split()[1]
    _await_name(sw, uuid, "CHANNEL_PARK")
    _wait(sw, 5.5)  # past the machine's beep (5.0 s after the answer)
    assert not [n for n in _names(sw, uuid) if n.startswith("avmd::")]
    run_api(sw, "uuid_kill", uuid)


def test_avmd_on_an_inbound_caller_bridged_to_the_machine_hears_nothing(sw: SimSwitch) -> None:
    caller = sw.inject_call("5551000")
    _await_name(sw, caller, "CHANNEL_PARK")
    sw.sendmsg(sw.legs[caller], Message("execute", "avmd_start", ""))
    _await_app_done(sw, caller, "avmd_start")
    _wait(sw, 0.1)
    # default config (outbound_channel=1): avmd refuses an inbound leg, no media bug
    assert not [n for n in _names(sw, caller) if n.startswith("avmd::") or "MEDIA_BUG" in n]
    sw.sendmsg(sw.legs[caller], Message("execute", "bridge", "user/1006"))
    eventually(lambda: sw.legs[caller].peer is not None, "the machine to answer the bridge")
    _wait(sw, 5.5)  # past the machine's beep (5.0 s after the answer)
    assert sw.legs[caller].peer is not None
    assert not [n for n in _names(sw, caller) if n.startswith("avmd::")]
    sw.hangup(caller)


def test_avmd_stop_api_fires_stop_with_not_detected(sw: SimSwitch) -> None:
    uuid = run_api(sw, "originate", "loopback/5552000/public avmd_start,park inline").split()[1]
    _await_name(sw, uuid, "CHANNEL_PARK")  # avmd_start has run: avmd is listening
    assert run_api(sw, "avmd", f"{uuid} stop") == "+OK\n"
    _await_name(sw, uuid, "avmd::stop", 2)  # the bare event, then the session's copy
    stops = [e for e in sw.history if e.subclass == "avmd::stop"]
    assert len(stops) == 2 and stops[0].seq == stops[1].seq
    assert stops[0].get("Beep-Status") == "NOTDETECTED"
    run_api(sw, "uuid_kill", uuid)

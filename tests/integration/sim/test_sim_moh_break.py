"""MOH apps and uuid_break in the sim, as FreeSWITCH 1.10 runs them:
- `endless_playback` (mod_dptools.c endless_playback_function) loops while the channel is ready:
  a break only restarts its file; a bridge or hangup ends it;
- `playback` of `local_stream://` never reaches the end of its file: it plays until broken
  (switch_ivr_play_file returns on CF_BREAK) and then completes;
- `uuid_break <uuid> all` (mod_commands.c break_function) first drops the queued sendmsg
  commands (switch_core_session_flush_private_events): they never execute."""

from __future__ import annotations

import pytest
from tests.eventually import eventually

from calldesk.sim import SimSwitch
from calldesk.sim.api import run_api
from calldesk.sim.legs import Message, new_uuid
from calldesk.sim.media import FOREVER, duration


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="pw", time_scale=50.0, recordings_dir=tmp_path)
    yield s
    s.stop()


def parked(sw: SimSwitch) -> str:
    uuid = sw.inject_call("5551000")
    eventually(lambda: any(e.name == "CHANNEL_PARK" and e.uuid == uuid for e in sw.history),
               "the call to park")  # fmt: skip
    return uuid


def execute(sw: SimSwitch, uuid: str, app: str, data: str) -> str:
    app_uuid = new_uuid()
    sw.sendmsg(sw.legs[uuid], Message("execute", app, data, app_uuid))
    return app_uuid


def seen(sw: SimSwitch, name: str, app_uuid: str) -> list[object]:
    return [e for e in sw.history if e.name == name and e.get("Application-UUID") == app_uuid]


def starts(sw: SimSwitch, uuid: str, path: str) -> int:
    return sum(1 for e in sw.history if e.name == "PLAYBACK_START" and e.uuid == uuid
               and e.get("Playback-File-Path") == path)  # fmt: skip


def test_a_local_stream_plays_for_ever() -> None:
    assert duration("local_stream://moh", 3.0) == FOREVER
    assert duration("local_stream://default", 3.0) == FOREVER


def test_uuid_break_ends_a_local_stream_playback_with_its_completion(sw) -> None:
    uuid = parked(sw)
    moh = execute(sw, uuid, "playback", "local_stream://moh")
    eventually(lambda: seen(sw, "CHANNEL_EXECUTE", moh), "MOH to start")
    sw.clock.sleep(10.0)  # far longer than a file: a stream does not end by itself
    assert not seen(sw, "CHANNEL_EXECUTE_COMPLETE", moh)
    assert run_api(sw, "uuid_break", uuid) == "+OK\n"
    eventually(lambda: seen(sw, "CHANNEL_EXECUTE_COMPLETE", moh), "MOH to complete")
    stop = [e for e in sw.history if e.name == "PLAYBACK_STOP" and e.uuid == uuid]
    assert stop and stop[-1].get("Playback-Status") == "break"


def test_endless_playback_restarts_its_file_on_a_break(sw) -> None:
    uuid = parked(sw)
    moh = execute(sw, uuid, "endless_playback", "local_stream://moh")
    eventually(lambda: starts(sw, uuid, "local_stream://moh") == 1, "MOH to start")
    run_api(sw, "uuid_break", f"{uuid} all")
    eventually(lambda: starts(sw, uuid, "local_stream://moh") == 2, "the file to start again")
    assert not seen(sw, "CHANNEL_EXECUTE_COMPLETE", moh)
    # ...so an app queued behind it never runs while the leg waits
    say = execute(sw, uuid, "say", "en number pronounced 1")
    sw.clock.sleep(5.0)
    assert not seen(sw, "CHANNEL_EXECUTE", say)
    sw.hangup(uuid)
    eventually(lambda: seen(sw, "CHANNEL_EXECUTE_COMPLETE", moh), "hangup to end it")


def test_break_all_drops_the_queued_commands(sw) -> None:
    uuid = parked(sw)
    moh = execute(sw, uuid, "playback", "local_stream://moh")
    eventually(lambda: seen(sw, "CHANNEL_EXECUTE", moh), "MOH to start")
    queued = execute(sw, uuid, "say", "en number pronounced 1")
    run_api(sw, "uuid_break", f"{uuid} all")
    eventually(lambda: seen(sw, "CHANNEL_EXECUTE_COMPLETE", moh), "MOH to complete")
    sw.clock.sleep(2.0)
    assert not seen(sw, "CHANNEL_EXECUTE", queued)
    # a plain break keeps them: the next one runs once the playback returned
    moh2 = execute(sw, uuid, "playback", "local_stream://moh")
    eventually(lambda: seen(sw, "CHANNEL_EXECUTE", moh2), "MOH again")
    kept = execute(sw, uuid, "say", "en number pronounced 2")
    run_api(sw, "uuid_break", uuid)
    eventually(lambda: seen(sw, "CHANNEL_EXECUTE_COMPLETE", kept), "the queued say to run")

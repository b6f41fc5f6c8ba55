"""`uuid_bridge` of a leg that is already bridged (switch_ivr_bridge.c: UNBRIDGE on the old
originator; a left-behind originatee is hung up NORMAL_CLEARING unless `park_after_bridge`), and
originate's `origination_uuid` and a rejecting phone."""

from __future__ import annotations

import pytest
from tests.eventually import eventually

from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.sim.api import run_api

AGENT = "{calldesk_role=agent}loopback/5552000/public &park()"


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="pw", time_scale=50.0, recordings_dir=tmp_path)
    s.add_phone("user/2001", PhoneBehavior.answer(after=0.1))
    s.add_phone("user/2002", PhoneBehavior.reject(after=0.1))
    yield s
    s.stop()


def _parked(sw: SimSwitch, dial: str = AGENT) -> str:
    out = run_api(sw, "originate", dial)
    assert out.startswith("+OK "), out
    uuid = out.split()[1]
    eventually(lambda: any(e.name == "CHANNEL_PARK" and e.uuid == uuid for e in sw.history),
               f"{uuid} to park")  # fmt: skip
    return uuid


def _bridge(sw: SimSwitch, a: str, b: str) -> None:
    """uuid_bridge, then wait until both legs are in the bridge: linked, and each one's executor
    has taken the bridge up (`pending` empty; see _await_bridged in test_bridge_end.py)."""
    assert run_api(sw, "uuid_bridge", f"{a} {b}") == f"+OK {b}\n"
    la, lb = sw.legs[a], sw.legs[b]
    eventually(lambda: la.peer is lb and lb.peer is la and not la.pending and not lb.pending,
               f"{a} and {b} to be bridged",
               detail=lambda: (la.peer, lb.peer, la.pending, lb.pending))  # fmt: skip
    assert sw.legs[a].peer is sw.legs[b]


def _events(sw: SimSwitch, mark: int, *names: str) -> list[tuple[str, str, str]]:
    return [(e.name, e.uuid or "", e.get("Hangup-Cause") or "") for e in list(sw.history)[mark:]
            if e.name in names]  # fmt: skip


def test_rebridging_the_originator_hangs_up_the_left_behind_agent(sw: SimSwitch) -> None:
    caller = sw.inject_call("5551000")
    agent = _parked(sw)
    twin = sw.legs[agent].twin.uuid
    _bridge(sw, caller, agent)
    sup = _parked(sw, "user/2001 &park()")
    mark = len(sw.history)
    _bridge(sw, caller, sup)
    twin_hangup = ("CHANNEL_HANGUP", twin, "NORMAL_CLEARING")
    eventually(lambda: agent not in sw.legs and twin_hangup in _events(sw, mark, "CHANNEL_HANGUP"),
               "the left-behind agent and its twin to hang up")  # fmt: skip
    ev = _events(sw, mark, "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP", "CHANNEL_BRIDGE")
    assert ev[:3] == [("CHANNEL_UNBRIDGE", caller, ""), ("CHANNEL_HANGUP", agent, "NORMAL_CLEARING"),
                      ("CHANNEL_HANGUP", twin, "NORMAL_CLEARING")]  # fmt: skip
    assert ev[-1] == ("CHANNEL_BRIDGE", caller, "")
    assert agent not in sw.legs and sw.legs[caller].peer is sw.legs[sup]
    assert sw.legs[sup].peer is sw.legs[caller]


def test_a_left_behind_agent_with_park_after_bridge_parks(sw: SimSwitch) -> None:
    caller = sw.inject_call("5551000")
    agent = _parked(sw)
    _bridge(sw, caller, agent)
    sw.legs[agent].set_var("park_after_bridge", "true")
    sup = _parked(sw, "user/2001 &park()")
    mark = len(sw.history)
    _bridge(sw, caller, sup)
    ev = _events(sw, mark, "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP", "CHANNEL_PARK")
    assert ("CHANNEL_PARK", agent, "") in ev and not any(n == "CHANNEL_HANGUP" for n, _, _ in ev)
    assert agent in sw.legs and sw.legs[agent].peer is None
    _bridge(sw, agent, _parked(sw, "user/2001 &park()"))  # ready for the next uuid_bridge


def test_a_left_behind_originator_goes_on_with_its_dialplan(sw: SimSwitch) -> None:
    caller = sw.inject_call("5551000")  # answer, park: nothing after the bridge
    agent = _parked(sw)
    _bridge(sw, caller, agent)
    other = _parked(sw, "user/2001 &park()")
    mark = len(sw.history)
    _bridge(sw, agent, other)
    eventually(lambda: caller not in sw.legs, "the left-behind caller to run out of dialplan")
    ev = _events(sw, mark, "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP")
    assert ev[0] == ("CHANNEL_UNBRIDGE", caller, "")
    assert ("CHANNEL_HANGUP", caller, "NORMAL_CLEARING") in ev and caller not in sw.legs
    assert sw.legs[agent].peer is sw.legs[other]


def test_origination_uuid_names_the_new_leg(sw: SimSwitch) -> None:
    want = "0f0e0d0c-0000-4000-8000-000000000001"
    out = run_api(sw, "originate", f"{{origination_uuid={want}}}user/2001 &park()")
    assert out == f"+OK {want}\n" and want in sw.legs
    again = run_api(sw, "originate", f"{{origination_uuid={want}}}user/2001 &park()")
    assert again == "-ERR DESTINATION_OUT_OF_ORDER\n"
    loop = "0f0e0d0c-0000-4000-8000-000000000002"
    out = run_api(sw, "originate", f"{{origination_uuid={loop}}}loopback/5552000/public &park()")
    assert out == f"+OK {loop}\n" and sw.legs[loop].name.endswith("-a")
    creates = [e.uuid for e in sw.history if e.name == "CHANNEL_CREATE"]
    assert want in creates and loop in creates


def test_a_rejecting_phone_gives_call_rejected(sw: SimSwitch) -> None:
    assert run_api(sw, "originate", "user/2002 &park()") == "-ERR CALL_REJECTED\n"
    assert run_api(sw, "sim_phone", "user/2003 reject") == "+OK\n"
    assert run_api(sw, "originate", "user/2003 &park()") == "-ERR CALL_REJECTED\n"

"""A uuid_bridge'd pair where the agent (the originatee) hangs up first, modelled on
switch_ivr_bridge.c (see sim/bridge_end.py); and the after-bridge variables on either side."""

from __future__ import annotations

import pytest
from tests.eventually import eventually

from calldesk.sim import SimSwitch
from calldesk.sim.api import run_api
from calldesk.sim.events import SimEvent

AGENT = "{origination_caller_id_number=queue,calldesk_role=agent}loopback/5552000/public &park()"


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="pw", time_scale=50.0, recordings_dir=tmp_path)
    yield s
    s.stop()


def _parks(sw: SimSwitch, uuid: str) -> list[SimEvent]:
    return [e for e in sw.history if e.name == "CHANNEL_PARK" and e.uuid == uuid]


def _await_parked(sw: SimSwitch, *uuids: str) -> None:
    for uuid in uuids:
        eventually(lambda u=uuid: _parks(sw, u), f"{uuid} to park")


def _await_bridged(sw: SimSwitch, a: str, b: str) -> None:
    """Both legs are in their bridge: linked, and each one's executor has taken the bridge up
    (`pending` empty). Not only `peer`: if a bridged leg leaves before its peer's executor has
    taken the bridge up, the sim loses the peer's after-bridge wake-up (the executor resets
    `unpark_requested` as it takes the bridge up) and the peer hangs in CS_EXECUTE forever."""
    la, lb = sw.legs[a], sw.legs[b]
    eventually(lambda: la.peer is lb and lb.peer is la and not la.pending and not lb.pending,
               f"{a} and {b} to be bridged",
               detail=lambda: (la.peer, lb.peer, la.pending, lb.pending))  # fmt: skip


def _bridged_pair(sw: SimSwitch, **caller_vars: str) -> tuple[str, str]:
    caller = sw.inject_call("5551000")
    for k, v in caller_vars.items():
        sw.legs[caller].set_var(k, v)
    agent = run_api(sw, "originate", AGENT).split()[1]
    _await_parked(sw, caller, agent)
    assert run_api(sw, "uuid_bridge", f"{caller} {agent}") == f"+OK {agent}\n"
    _await_bridged(sw, caller, agent)
    assert sw.legs[caller].peer is sw.legs[agent]
    return caller, agent


def _after(sw: SimSwitch, mark: int) -> list[tuple[str, str, str]]:
    evs = list(sw.history)[mark:]
    return [(e.name, e.uuid or "", e.get("Hangup-Cause") or "") for e in evs]


def _mark(sw: SimSwitch) -> int:
    return len(sw.history)


@pytest.mark.parametrize("order", ["hangup_first", "unbridge_first"])
def test_agent_hangs_up_first_caller_runs_out_of_dialplan(sw: SimSwitch, order: str) -> None:
    sw.site.agent_hangup_order = order  # both orders are real (issue 10)
    caller, agent = _bridged_pair(sw)
    twin = sw.legs[agent].twin.uuid
    m = _mark(sw)
    run_api(sw, "uuid_kill", f"{agent} CALL_REJECTED")
    assert sw.wait_idle(5)
    ev = _after(sw, m)
    names = [(n, u) for n, u, _ in ev if n in ("CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE",
                                                 "CHANNEL_UNBRIDGE")]  # fmt: skip
    agent_side = [
        ("CHANNEL_HANGUP", agent), ("CHANNEL_HANGUP", twin),
        ("CHANNEL_HANGUP_COMPLETE", agent), ("CHANNEL_HANGUP_COMPLETE", twin),
    ]  # fmt: skip
    unbridge = [("CHANNEL_UNBRIDGE", caller)]  # only on the originator
    first = agent_side + unbridge if order == "hangup_first" else unbridge + agent_side
    assert names == first + [("CHANNEL_HANGUP", caller), ("CHANNEL_HANGUP_COMPLETE", caller)]
    # back in CS_EXECUTE with nothing left after park: hung up NORMAL_CLEARING, not the agent's cause
    hc = [e for e in sw.history if e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == caller][0]
    assert hc.get("Hangup-Cause") == "NORMAL_CLEARING"
    assert hc.get("variable_bridge_hangup_cause") == "CALL_REJECTED"
    assert hc.get("variable_sip_hangup_disposition") == "send_bye"
    states = [e.get("Channel-State") for e in list(sw.history)[m:]
              if e.name == "CHANNEL_STATE" and e.uuid == caller]  # fmt: skip
    assert states[0] == "CS_EXECUTE"


def test_hangup_after_bridge_hangs_the_caller_up_with_the_agents_cause(sw: SimSwitch) -> None:
    caller, agent = _bridged_pair(sw, hangup_after_bridge="true")
    run_api(sw, "uuid_kill", f"{agent} CALL_REJECTED")
    assert sw.wait_idle(5)
    hc = [e for e in sw.history if e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == caller][0]
    assert hc.get("Hangup-Cause") == "CALL_REJECTED"


def test_park_after_bridge_returns_the_caller_to_park(sw: SimSwitch) -> None:
    caller, agent = _bridged_pair(sw, park_after_bridge="true")
    m = _mark(sw)
    run_api(sw, "uuid_kill", agent)
    eventually(lambda: ("CHANNEL_PARK", caller, "") in _after(sw, m), "the caller to park")
    leg = sw.get_leg(caller)
    assert leg is not None and leg.peer is None and leg.bare_parked
    ev = _after(sw, m)
    assert ("CHANNEL_PARK", caller, "") in ev
    assert [n for n, u, _ in ev if u == caller and n == "CHANNEL_UNBRIDGE"] == ["CHANNEL_UNBRIDGE"]
    # the parked caller can be bridged to the next agent: UNPARK, then BRIDGE
    agent2 = run_api(sw, "originate", AGENT).split()[1]
    _await_parked(sw, agent2)
    m = _mark(sw)
    assert run_api(sw, "uuid_bridge", f"{caller} {agent2}") == f"+OK {agent2}\n"
    _await_bridged(sw, caller, agent2)
    mine = [n for n, u, _ in _after(sw, m) if u == caller]
    assert mine.index("CHANNEL_UNPARK") < mine.index("CHANNEL_BRIDGE")
    assert sw.legs[caller].peer is sw.legs[agent2]
    sw.hangup(caller)
    assert sw.wait_idle(5)


def test_transfer_after_bridge_sends_the_caller_to_an_extension(sw: SimSwitch) -> None:
    caller, agent = _bridged_pair(sw, transfer_after_bridge="5552000:XML:public")
    run_api(sw, "uuid_kill", agent)
    eventually(lambda: len(_parks(sw, caller)) >= 2, "the caller to park again after the transfer")
    leg = sw.get_leg(caller)
    assert leg is not None and leg.profile["Destination-Number"] == "5552000"
    parks = _parks(sw, caller)
    assert len(parks) == 2  # the DID's park, then 5552000's park after the transfer
    sw.hangup(caller)


def test_caller_first_agent_with_park_after_bridge_stays_parked(sw: SimSwitch) -> None:
    caller, agent = _bridged_pair(sw)
    sw.legs[agent].set_var("park_after_bridge", "true")
    sw.hangup(caller)
    eventually(lambda: sw.get_leg(caller) is None, "the caller to be gone")
    assert sw.get_leg(caller) is None
    leg = sw.get_leg(agent)
    assert leg is not None and leg.bare_parked and leg.peer is None
    unbridges = [e.uuid for e in sw.history if e.name == "CHANNEL_UNBRIDGE"]
    assert unbridges == [caller]
    run_api(sw, "uuid_kill", agent)
    assert sw.wait_idle(5)

"""A uuid_bridge'd leg hangs up before its peer's executor has taken the bridge up.

`uuid_bridge` links the legs, ends their park and queues ("bridged",) for each executor. If one
side is killed before the other's executor has run, `bridge_end.after_bridge` has already decided
what the survivor does (back to its dialplan, park, transfer, hang up) by the time that executor
takes the bridge up. The outcome must be the one of the settled order (kill after both executors
hold the bridge): the same events with the same headers, and the same final state. It used to
leave a caller with no `*_after_bridge` variable in CS_EXECUTE forever (its wake-up was spent
leaving park), and one with `transfer_after_bridge` held in a bridge that was already over.

The race is made deterministic: a listener kills the leg from inside the bridge's last event (the
originatee's CS_EXCHANGE_MEDIA), before any other greenlet runs.
"""

from __future__ import annotations

import tempfile

import gevent
import pytest
from tests.eventually import eventually

from calldesk.sim import SimSwitch
from calldesk.sim.api import run_api
from calldesk.sim.events import SimEvent

AGENT = "{origination_caller_id_number=queue,calldesk_role=agent}loopback/5552000/public &park()"

# headers that carry a time or a counter, which legitimately differ between two runs
_TIMING = ("Event-Date-", "Event-Sequence")
_TIMING_SUFFIXES = ("-Time", "epoch", "_stamp", "duration", "billsec", "billmsec", "billusec")


def _parks(sw: SimSwitch, uuid: str) -> int:
    return sum(1 for e in sw.history if e.name == "CHANNEL_PARK" and e.uuid == uuid)


def _roles(sw: SimSwitch, caller: str, agent: str) -> dict[str, str]:
    twin = sw.legs[agent].twin
    roles = {sw.core_uuid: "<core>", caller: "<caller>", agent: "<agent>"}
    if twin is not None:
        roles[twin.uuid] = "<agent-twin>"
    return roles


def _describe(ev: SimEvent, roles: dict[str, str]) -> tuple[object, ...]:
    def norm(name: str, value: str) -> str:
        if name == "Application-UUID":
            return "<random>"
        if name == "variable_RFC2822_DATE" or "RFC2822_DATE=" in value:  # the time of day
            return "<date>"
        for uuid, role in roles.items():
            value = value.replace(uuid, role).replace(uuid[:8], role)  # sip_call_id: uuid[:8]
        return value

    headers = tuple(
        (name, norm(name, value))
        for name, value in ev.headers
        if not name.startswith(_TIMING) and not name.endswith(_TIMING_SUFFIXES)
    )
    return (ev.name, roles.get(ev.uuid or "", ev.uuid), headers)


def _run(racy: bool, kill: str, caller_vars: dict[str, str], agent_vars: dict[str, str]):  # type: ignore[no-untyped-def]
    """uuid_bridge caller agent, then kill `kill` ("agent" or "caller") with CALL_REJECTED:
    racy (inside the bridge's last event) or settled (once both executors hold the bridge).
    Returns (events from the uuid_bridge on, the caller's state once settled, what `pending`
    the survivor had when the kill came)."""
    sw = SimSwitch(password="pw", time_scale=50.0, recordings_dir=tempfile.mkdtemp())
    try:
        caller = sw.inject_call("5551000")
        for k, v in caller_vars.items():
            sw.legs[caller].set_var(k, v)
        agent = run_api(sw, "originate", AGENT).split()[1]
        for k, v in agent_vars.items():
            sw.legs[agent].set_var(k, v)
        eventually(lambda: _parks(sw, caller) and _parks(sw, agent), "both legs to park")
        roles = _roles(sw, caller, agent)
        victim, survivor = (agent, caller) if kill == "agent" else (caller, agent)
        surv = sw.legs[survivor]
        seen: list[list[object]] = []

        def kill_in_bridge(ev: SimEvent) -> None:
            if (
                not seen
                and ev.name == "CHANNEL_STATE"
                and ev.uuid == agent
                and ev.get("Channel-State") == "CS_EXCHANGE_MEDIA"
            ):
                seen.append(list(surv.pending))
                run_api(sw, "uuid_kill", f"{victim} CALL_REJECTED")

        mark = len(sw.history)
        if racy:
            sw.listeners.append(kill_in_bridge)
        assert run_api(sw, "uuid_bridge", f"{caller} {agent}") == f"+OK {agent}\n"
        if not racy:
            la, lb = sw.legs[caller], sw.legs[agent]
            eventually(
                lambda: la.peer is lb and not la.pending and not lb.pending,
                "both executors to hold the bridge",
            )
            gevent.sleep(0.02)
            seen.append(list(surv.pending))
            run_api(sw, "uuid_kill", f"{victim} CALL_REJECTED")
        eventually(lambda: seen, "the kill")
        # settled: the survivor is gone, or parked by park_after_bridge (or after a transfer)
        eventually(
            lambda: surv.hungup or surv.bare_parked or _parks(sw, survivor) >= 2,
            f"the {kill}'s peer to settle after the bridge",
            timeout=5.0,
            detail=lambda: (surv.state, surv.pending, surv.peer, surv.unpark_requested),
        )
        gevent.sleep(0.05)  # nothing more happens on its own
        final = (
            surv.hungup,
            surv.state,
            surv.bare_parked,
            surv.peer,
            None if surv.hungup else list(surv.pending),  # a dead leg's leftovers don't count
            surv.profile["Destination-Number"],
        )
        if not surv.hungup:
            run_api(sw, "uuid_kill", survivor)
        assert sw.wait_idle(5), "legs left behind"
        events = [_describe(e, roles) for e in list(sw.history)[mark:]]
        return events, final, seen[0]
    finally:
        sw.stop()


CASES = {
    # agent (originatee) first: the caller goes back to its dialplan, which ends after park
    "back-to-dialplan": ("agent", {}, {}),
    "hangup_after_bridge": ("agent", {"hangup_after_bridge": "true"}, {}),
    "park_after_bridge": ("agent", {"park_after_bridge": "true"}, {}),
    "transfer_after_bridge": ("agent", {"transfer_after_bridge": "5552000:XML:public"}, {}),
    # caller (originator) first: an agent with park_after_bridge stays, parked
    "caller-first-agent-parks": ("caller", {}, {"park_after_bridge": "true"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hangup_before_the_peer_took_the_bridge_up_ends_as_when_it_had(case: str) -> None:
    kill, caller_vars, agent_vars = CASES[case]
    racy_events, racy_final, racy_pending = _run(True, kill, caller_vars, agent_vars)
    assert racy_pending == [("bridged",)]  # the race did happen: the bridge not taken up yet
    settled_events, settled_final, settled_pending = _run(False, kill, caller_vars, agent_vars)
    assert settled_pending == []
    assert racy_final == settled_final
    assert [e[:2] for e in racy_events] == [e[:2] for e in settled_events]
    assert racy_events == settled_events


def test_agent_killed_before_the_caller_took_the_bridge_up_caller_hangs_up() -> None:
    """The reported case: the caller hung in CS_EXECUTE after BRIDGE, UNBRIDGE, CS_EXECUTE."""
    events, final, _ = _run(True, "agent", {}, {})
    hungup, state, *_ = final
    assert hungup and state == "CS_DESTROY"
    mine = [e for e in events if e[1] == "<caller>"]
    names = [(e[0], dict(e[2]).get("Channel-State")) for e in mine]
    i = names.index(("CHANNEL_UNBRIDGE", "CS_SOFT_EXECUTE"))
    assert names[i + 1] == ("CHANNEL_STATE", "CS_EXECUTE")
    assert names[i + 2][0] == "CHANNEL_HANGUP"
    hc = dict(next(e[2] for e in mine if e[0] == "CHANNEL_HANGUP_COMPLETE"))
    assert hc["Hangup-Cause"] == "NORMAL_CLEARING"  # out of dialplan, not the agent's cause
    assert hc["variable_bridge_hangup_cause"] == "CALL_REJECTED"

"""Calls from agents' and supervisors' own phones, over real TCP against the simulated switch,
through the whole controller: agent to agent, a supervisor's feature code, dialling out through
the trunks, and the refusals. The legs arrive the way the rendered `calldesk_agents` context
parks them (`calldesk_kind` and the directory user's variables)."""

from __future__ import annotations

from pathlib import Path

import gevent
import pytest
from tests.integration.dispatch.test_dispatch_trunks import NUMBER, TRUNKS  # same carriers

from calldesk.acd import AgentState
from calldesk.app import build
from calldesk.config import load_config
from calldesk.esl.connection import SwitchSettings
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.store import Store
from calldesk.trunks import parse_trunks
from calldesk.trunks.dialer import OutboundDialer

ROOT = Path(__file__).parents[3]
SCALE = 20.0
PASSWORD = "pw-desk-calls"


def wait_for(predicate, timeout: float = 10.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    with gevent.Timeout(timeout, AssertionError(f"{what} not met in time")):
        while not (value := predicate()):
            gevent.sleep(0.01)
    return value


@pytest.fixture
def desk(tmp_path):  # type: ignore[no-untyped-def]
    sim = SimSwitch(password=PASSWORD, time_scale=SCALE, recordings_dir=tmp_path).start()
    config = load_config(ROOT / "calldesk.yaml", env={})
    config.data["recordings"] = {**config.data["recordings"], "dir": str(tmp_path / "rec")}
    controller = build(config, store=Store.open(tmp_path / "s.sqlite"),
                       switches=[SwitchSettings("sim", "127.0.0.1", sim.port, PASSWORD)],
                       clock=sim.clock.epoch, time_scale=SCALE, check_trunks=False)  # fmt: skip
    assert all(controller.start(wait=5).values())
    yield sim, controller
    controller.stop()
    sim.stop()


def dial(sim: SimSwitch, number: str, phone: str, variables: dict[str, str]) -> str:
    """A call from `phone` (e.g. 1001) to `number`, parked as the rendered context parks it."""
    sim.dialplan.add(number, [("answer", ""), ("park", "")], context="calldesk_agents")
    return sim.inject_call(did=number, caller_id=phone, caller_name=phone,
                           context="calldesk_agents", variables=variables)  # fmt: skip


def kinds(controller, subject: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.kind for e in controller.store.journal.read(subject=subject)]


def refused(controller, subject: str) -> dict:  # type: ignore[no-untyped-def]
    return wait_for(lambda: next(controller.store.journal.read(subject=subject,
                                                               kind="deskcall.refused"), None),
                    what="refusal").data  # fmt: skip


def gone(sim: SimSwitch, controller, uuid: str) -> str:  # type: ignore[no-untyped-def]
    leg = wait_for(lambda: (x := controller.board.tracker.get(uuid)) is not None and not x.alive
                   and x, what=f"leg {uuid} hung up")  # fmt: skip
    return leg.hangup_cause


def test_agent_calls_agent_both_busy_then_both_free(desk) -> None:
    sim, controller = desk
    sim.add_phone("user/1002", PhoneBehavior.answer(after=0.5, hangup_after=6))
    acd = controller.acd
    for agent in ("alice", "bob", "carol"):
        acd.login(agent, ready=True)
    call = dial(sim, "1002", "1001", {"calldesk_kind": "agent_call", "calldesk_agent": "alice",
                                      "calldesk_target_agent": "bob"})  # fmt: skip
    wait_for(lambda: (leg := controller.board.tracker.legs.get(call)) and leg.bridged_to,
             what="alice bridged to bob's phone")  # fmt: skip
    agents = acd.acd.agents
    wait_for(lambda: agents["alice"].state is AgentState.BUSY
             and agents["bob"].state is AgentState.BUSY, what="both on an off-queue call")  # fmt: skip
    # carol dials bob meanwhile: busy, and her phone hears it
    other = dial(sim, "1002", "1003", {"calldesk_kind": "agent_call", "calldesk_agent": "carol",
                                       "calldesk_target_agent": "bob"})  # fmt: skip
    assert refused(controller, "carol")["cause"] == "USER_BUSY"
    assert gone(sim, controller, other) == "USER_BUSY"
    # bob hangs up: alice's leg follows, and both are free again
    assert gone(sim, controller, call) == "NORMAL_CLEARING"
    wait_for(lambda: agents["alice"].state is AgentState.AVAILABLE
             and agents["bob"].state is AgentState.AVAILABLE, what="both available")  # fmt: skip
    assert "deskcall.ring" in kinds(controller, "alice") and "deskcall.ended" in kinds(
        controller, "bob"
    )


def test_unanswered_agent_call_ends_with_the_phones_cause(desk) -> None:
    sim, controller = desk
    sim.add_phone("user/1002", PhoneBehavior.busy(after=0.2))
    call = dial(sim, "1002", "1001", {"calldesk_kind": "agent_call", "calldesk_agent": "alice",
                                      "calldesk_target_agent": "bob"})  # fmt: skip
    assert gone(sim, controller, call) == "USER_BUSY"
    assert controller.board.tracker.get(call).bridged_at is None


def test_supervisor_code_joins_the_agents_call_and_modes_still_switch(desk) -> None:
    sim, controller = desk
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.2))
    customer = sim.inject_call(did="5551000", caller_id="+15550101")
    board = controller.board
    wait_for(lambda: (leg := board.tracker.legs.get(customer)) and leg.parked, what="park")
    conn = board.switches["sim"]
    out = conn.bgapi("originate", "{calldesk_role=agent,calldesk_agent=alice,"
                     "calldesk_interaction=int-1}user/1001 &park()").get(timeout=5)  # fmt: skip
    agent_leg = out.split()[1]
    conn.api("uuid_bridge", customer, agent_leg)
    wait_for(lambda: board.tracker.legs[customer].bridged_to == agent_leg, what="bridge")
    sup = dial(sim, "*21001", "3001", {"calldesk_kind": "supervisor", "calldesk_user": "sam",
                                       "calldesk_supervisor_action": "whisper",
                                       "calldesk_supervisor_target": "1001"})  # fmt: skip
    svc = controller.supervision
    s = wait_for(lambda: next(iter(svc.sessions.values()), None), what="session")
    wait_for(lambda: s.status == "active", what="joined without ringing")
    assert (s.status, s.mode, s.supervisor, s.agent, s.supervisor_leg) == (
        "active",
        "whisper",
        "sam",
        "alice",
        sup,
    )
    mix = wait_for(lambda: sim.eavesdrop_mode(sup), what="eavesdrop running")
    assert mix["target"] == customer and (mix["peer_hears"], mix["target_hears"]) == (True, False)
    svc.change_mode("sam", s.id, "barge")
    wait_for(lambda: sim.eavesdrop_mode(sup)["target_hears"], what="barge")
    joined = next(controller.store.journal.read(kind="supervision.joined"))
    assert joined.data["via"] == "phone"
    sim.hangup(sup)
    wait_for(lambda: s.status == "ended", what="session ended")
    assert board.tracker.legs[customer].bridged_to == agent_leg  # the call goes on


@pytest.mark.parametrize(
    ("variables", "cause"),
    [
        ({"calldesk_agent": "bob"}, "CALL_REJECTED"),  # an agent's phone never monitors
        ({"calldesk_user": "sam", "calldesk_supervisor_target": "1999"}, "UNALLOCATED_NUMBER"),
        ({"calldesk_user": "sam"}, "NORMAL_TEMPORARY_FAILURE"),  # alice is on no call
    ],
)
def test_supervisor_code_refusals(desk, variables, cause) -> None:
    sim, controller = desk
    base = {"calldesk_kind": "supervisor", "calldesk_supervisor_action": "listen",
            "calldesk_supervisor_target": "1001"}  # fmt: skip
    leg = dial(sim, "*11001", "3001", {**base, **variables})
    assert gone(sim, controller, leg) == cause
    who = variables.get("calldesk_user") or variables.get("calldesk_agent")
    assert refused(controller, who)["cause"] == cause


def test_agent_dials_out_through_the_trunks_with_failover(desk) -> None:
    sim, controller = desk
    desk_calls = controller.desk_calls
    desk_calls.dialer = OutboundDialer.build(parse_trunks(TRUNKS, env={}), {}, controller.board,
                                             controller.store.journal, sim.clock.epoch, SCALE)  # fmt: skip
    controller.board.tracker.subscribe(desk_calls.dialer.on_leg)
    sim.add_phone(f"sofia/gateway/carrier-a/{NUMBER}", PhoneBehavior.fail())
    sim.add_phone(f"sofia/gateway/carrier-b/{NUMBER}", PhoneBehavior.answer(after=1,
                                                                           hangup_after=4))  # fmt: skip
    call = dial(sim, NUMBER, "1001", {"calldesk_kind": "outbound", "calldesk_agent": "alice",
                                      "calldesk_destination": NUMBER})  # fmt: skip
    tracker = controller.board.tracker
    far = wait_for(lambda: (leg := tracker.legs.get(call)) and leg.bridged_to, what="bridged out")
    assert tracker.legs[far].variables.get("calldesk_trunk") == "carrier-b"
    outbound = [k for k in kinds(controller, "alice") if k.startswith(("outbound.", "deskcall."))]
    assert outbound == ["deskcall.dial", "outbound.attempt", "outbound.failover",
                        "outbound.attempt", "outbound.connected"]  # fmt: skip
    assert gone(sim, controller, call) == "NORMAL_CLEARING"  # the far end hung up first


def test_premium_number_is_refused_before_anything_is_dialled(desk) -> None:
    sim, controller = desk
    controller.desk_calls.dialer = OutboundDialer.build(
        parse_trunks(TRUNKS, env={}), {}, controller.board, controller.store.journal,
        sim.clock.epoch, SCALE,
    )  # fmt: skip
    controller.board.tracker.subscribe(controller.desk_calls.dialer.on_leg)
    call = dial(sim, "+19005550100", "1001", {"calldesk_kind": "outbound",
                                               "calldesk_agent": "alice",
                                               "calldesk_destination": "+19005550100"})  # fmt: skip
    assert gone(sim, controller, call) == "CALL_REJECTED"
    assert "outbound.refused" in kinds(controller, "alice")
    assert not [k for k in kinds(controller, "alice") if k == "outbound.attempt"]

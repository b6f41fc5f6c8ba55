"""Desk calls against a real FreeSWITCH: a leg parked with the variables the rendered
`calldesk_agents` context sets (here given on the originate, so no SIP phone is needed) rings
the target agent's contact with `bridge`, follows its hangup, and a refused call is hung up
with the decided cause. Run with CALLDESK_ESL_URL set."""

from __future__ import annotations

import gevent
import pytest
from tests.live.conftest import ANSWERS

from calldesk.auth import Directory
from calldesk.deskcalls import DeskCalls, Line
from calldesk.store import Store
from calldesk.telephony.intake import Intake

pytestmark = pytest.mark.live_freeswitch


def wait_for(predicate, timeout: float = 15.0, what: str = ""):  # type: ignore[no-untyped-def]
    with gevent.Timeout(timeout, AssertionError(f"not in time: {what}")):
        while not (value := predicate()):
            gevent.sleep(0.02)
    return value


def desk(board, tmp_path) -> DeskCalls:  # type: ignore[no-untyped-def]
    lines = {"bob": Line(ANSWERS, busy=False)}
    desk = DeskCalls(board, Store.open(tmp_path / "desk.sqlite"), lambda: lines,
                     Directory.from_config([], []))
    intake = Intake()
    board.tracker.subscribe(intake.on_leg)
    intake.own("desk", desk.on_park)
    board.tracker.subscribe(desk.on_leg)
    return desk


def place(conn, variables: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    given = ",".join(f"{k}={v}" for k, v in variables.items())
    out = conn.api("originate", f"{{{given}}}{ANSWERS} &park()", timeout=15)
    assert out.startswith("+OK "), out
    return out.split()[1].strip()


def test_agent_call_bridges_to_the_target_and_follows_its_hangup(live_board, tmp_path) -> None:
    conn = next(iter(live_board.switches.values()))
    desk(live_board, tmp_path)
    tracker = live_board.tracker
    leg = place(conn, {"calldesk_kind": "agent_call", "calldesk_agent": "alice",
                       "calldesk_target_agent": "bob"})  # fmt: skip
    try:
        far = wait_for(lambda: (x := tracker.legs.get(leg)) and x.bridged_to, what="bridged")
        conn.hangup(far)
        wait_for(lambda: (x := tracker.get(leg)) is not None and not x.alive, what="followed")
    finally:
        conn.hangup(leg)


def test_agent_phone_dialling_a_supervisor_code_is_rejected(live_board, tmp_path) -> None:
    conn = next(iter(live_board.switches.values()))
    desk(live_board, tmp_path)
    leg = place(conn, {"calldesk_kind": "supervisor", "calldesk_agent": "bob",
                       "calldesk_supervisor_action": "listen",
                       "calldesk_supervisor_target": "1001"})  # fmt: skip
    gone = wait_for(lambda: (x := live_board.tracker.get(leg)) is not None and not x.alive and x,
                    what="hung up")  # fmt: skip
    assert gone.hangup_cause == "CALL_REJECTED"

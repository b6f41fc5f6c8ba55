"""Supervision against a real FreeSWITCH (CALLDESK_ESL_URL): eavesdrop on a bridged call in each
mode, mode switches from the API confirmed by the DTMF the eavesdrop loop dequeues, the session
event (`eavesdrop-command`) path, and the call surviving the supervisor. Loopback legs only: no
dialplan needed (`parked_loopback`)."""

from __future__ import annotations

import gevent
import pytest
from tests.live.conftest import ANSWERS, hang_up_role, parked_loopback

from calldesk.auth import Directory
from calldesk.store import Store
from calldesk.supervision.locate import CallRef
from calldesk.supervision.service import SupervisionService
from calldesk.supervision.settings import Settings

pytestmark = pytest.mark.live_freeswitch

SUPERVISOR_PHONE = ANSWERS  # the -b twin answers and parks; the -a leg runs eavesdrop
DIRECTORY = Directory.from_config(
    [{"id": "sup1", "role": "supervisor", "teams": ["red"], "contact": SUPERVISOR_PHONE}],
    [{"id": "red", "agents": ["a1"]}],
)


def wait_for(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    with gevent.Timeout(timeout, AssertionError(f"{what} not met in time")):
        while not predicate():
            gevent.sleep(0.02)


@pytest.fixture
def call(live_board, tmp_path):
    conn = next(iter(live_board.switches.values()))
    customer, agent = parked_loopback(conn), parked_loopback(conn)
    conn.api("uuid_bridge", customer, agent)
    wait_for(lambda: (leg := live_board.tracker.legs.get(customer)) is not None and leg.bridged_to == agent,
             what="bridge")  # fmt: skip
    store = Store.open(tmp_path / "db.sqlite")
    ref = CallRef("a1", agent, customer, "live-1", conn.name)
    yield conn, customer, agent, store, ref
    for leg in (customer, agent):
        conn.hangup(leg)
    hang_up_role(live_board, "supervisor")
    store.close()


def service(board, store, ref, **settings) -> SupervisionService:
    svc = SupervisionService(
        board, store, DIRECTORY, Settings.from_config(settings), locate=lambda a: ref
    )
    board.tracker.subscribe(svc.on_leg)
    return svc


@pytest.mark.parametrize("mode, aleg, bleg", [("monitor", "false", "false"), ("whisper", "true", "false"),
                                              ("barge", "true", "true")])  # fmt: skip
def test_eavesdrop_in_each_mode_on_a_bridged_call(live_board, call, mode, aleg, bleg) -> None:
    conn, customer, agent, store, ref = call
    svc = service(live_board, store, ref)
    s = svc.start("sup1", "a1", mode)
    wait_for(lambda: s.status == "active" and s.supervisor_leg, what="supervisor joined")
    wait_for(
        lambda: (
            conn.api("uuid_getvar", s.supervisor_leg, "current_application", check=False)
            == "eavesdrop"
        )
    )
    assert conn.api("uuid_getvar", s.supervisor_leg, "current_application_data") == customer
    assert conn.api("uuid_getvar", s.supervisor_leg, "eavesdrop_whisper_aleg") == aleg
    assert conn.api("uuid_getvar", s.supervisor_leg, "eavesdrop_whisper_bleg") == bleg
    svc.stop("sup1", s.id)
    wait_for(lambda: conn.api("uuid_exists", s.supervisor_leg) == "false", what="supervisor gone")
    assert conn.api("uuid_exists", customer) == "true" and conn.api("uuid_exists", agent) == "true"


def test_mode_switches_are_confirmed_by_the_dequeued_digit(live_board, call) -> None:
    conn, customer, _, store, ref = call
    svc = service(live_board, store, ref)
    s = svc.start("sup1", "a1", "monitor")
    wait_for(lambda: s.status == "active" and s.supervisor_leg, what="supervisor joined")
    for mode in ("whisper", "barge", "monitor"):
        svc.change_mode("sup1", s.id, mode)  # raises unless the DTMF event came back
        assert s.mode == mode
    assert [e.data["via"] for e in store.journal.read(kind="supervision.mode")] == ["api"] * 3
    conn.hangup(customer)
    wait_for(lambda: s.status == "ended", what="session ended with the call")
    wait_for(lambda: conn.api("uuid_exists", s.supervisor_leg) == "false", what="supervisor gone")


def test_session_event_switches_mode_with_the_keypad_locked(live_board, call) -> None:
    conn, _, _, store, ref = call
    svc = service(live_board, store, ref, switch_modes="event", supervisor_keys=False)
    s = svc.start("sup1", "a1", "monitor")
    wait_for(lambda: s.status == "active" and s.supervisor_leg, what="supervisor joined")
    svc.change_mode("sup1", s.id, "barge")  # sendevent +OK; no event shows the mix on the wire
    assert s.mode == "barge"
    gevent.sleep(0.3)
    assert conn.api("uuid_getvar", s.supervisor_leg, "current_application") == "eavesdrop"
    svc.stop("sup1", s.id)


def test_takeover_bridges_the_customer_to_the_supervisor(live_board, call) -> None:
    """uuid_bridge <customer> <supervisor> ends the eavesdrop and moves the customer; the agent
    leg left behind is hung up (by FreeSWITCH, or by the service if park_after_bridge kept it)."""
    conn, customer, agent, store, ref = call
    released: list = []
    svc = SupervisionService(live_board, store, DIRECTORY, Settings.from_config({}),
                             locate=lambda a: ref,
                             on_agent_released=lambda a, i: released.append((a, i)))  # fmt: skip
    live_board.tracker.subscribe(svc.on_leg)
    s = svc.start("sup1", "a1", "monitor")
    wait_for(lambda: s.status == "active" and s.supervisor_leg, what="supervisor joined")
    svc.change_mode("sup1", s.id, "takeover")
    tracker = live_board.tracker
    wait_for(lambda: tracker.legs[customer].bridged_to == s.supervisor_leg, what="customer moved")
    wait_for(lambda: conn.api("uuid_exists", agent) == "false", what="agent leg released")
    assert released == [("a1", "live-1")] and s.mode == "takeover"
    assert conn.api("uuid_exists", customer) == "true"
    assert "supervision.takeover" in [
        e.kind for e in store.journal.read(kind_prefix="supervision.")
    ]


def test_feature_code_leg_joins_without_ringing(live_board, call) -> None:
    """A supervisor's own answered leg (as `*2` + extension parks it) joins by `attach`."""
    conn, customer, _, store, ref = call
    svc = service(live_board, store, ref)
    own = parked_loopback(conn)
    wait_for(lambda: own in live_board.tracker.legs, what="leg known")
    s = svc.attach("sup1", "a1", "whisper", own, conn.name)
    assert s.status == "active" and s.supervisor_leg == own
    wait_for(lambda: conn.api("uuid_getvar", own, "current_application", check=False)
             == "eavesdrop", what="eavesdrop running")  # fmt: skip
    assert conn.api("uuid_getvar", own, "current_application_data") == customer
    assert conn.api("uuid_getvar", own, "eavesdrop_whisper_aleg") == "true"
    svc.change_mode("sup1", s.id, "barge")  # the DTMF path works on an attached leg too
    conn.hangup(own)
    wait_for(lambda: s.status == "ended", what="session ended with the supervisor's leg")
    assert conn.api("uuid_exists", customer) == "true"

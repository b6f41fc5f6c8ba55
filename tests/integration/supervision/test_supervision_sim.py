"""Supervision over real TCP against the simulated switch: each mode, switching modes from the
API (asserted with the sim's own view of the eavesdrop mix), permissions, hangups on either
side, two supervisors on one call, notices and the audit trail."""

from __future__ import annotations

import pytest
from tests.integration.recording.simcall import (
    bridged_call,
    sim_sleep,
    start_board,
    start_sim,
    wait_for,
)

from calldesk.auth import Directory, PermissionDenied
from calldesk.sim import PhoneBehavior
from calldesk.store import Store
from calldesk.supervision.service import SupervisionError, SupervisionService
from calldesk.supervision.settings import Settings

DIRECTORY = Directory.from_config(
    [{"id": "sup1", "role": "supervisor", "teams": ["red"], "contact": "user/2001"},
     {"id": "sup2", "role": "supervisor", "teams": ["red"], "contact": "user/2002"},
     {"id": "sup3", "role": "supervisor", "teams": ["blue"], "contact": "user/2003"},
     {"id": "boss", "role": "admin", "contact": "user/2000"},
     {"id": "a1", "role": "agent", "teams": ["red"], "contact": "user/1001"}],
    [{"id": "red", "agents": ["a1"]}, {"id": "blue", "agents": ["a2"]}],
)  # fmt: skip


@pytest.fixture
def env(tmp_path):
    sim = start_sim(tmp_path / "rec")
    for phone in ("user/2000", "user/2001", "user/2002", "user/2003"):
        sim.add_phone(phone, PhoneBehavior.answer(after=0.2))
    board = start_board(sim)
    store = Store.open(tmp_path / "db.sqlite")
    yield sim, board, store
    board.stop()
    sim.stop()
    store.close()


def service(board, store, **kw) -> tuple[SupervisionService, list]:
    released: list = []
    svc = SupervisionService(board, store, DIRECTORY, Settings.from_config(kw),
                             on_agent_released=lambda a, i: released.append((a, i)))  # fmt: skip
    board.tracker.subscribe(svc.on_leg)
    return svc, released


def active(svc, s) -> None:
    wait_for(lambda: s.status == "active" and s.supervisor_leg, what="supervisor answered")


def mix(sim, s) -> dict:
    wait_for(lambda: sim.eavesdrop_mode(s.supervisor_leg) is not None, what="eavesdrop running")
    return sim.eavesdrop_mode(s.supervisor_leg)


@pytest.mark.parametrize(
    "mode, agent_hears, customer_hears",
    [("monitor", False, False), ("whisper", True, False), ("barge", True, True)],
)
def test_each_mode_starts_with_the_right_mix(env, mode, agent_hears, customer_hears) -> None:
    sim, board, store = env
    svc, _ = service(board, store)
    customer, agent = bridged_call(sim, board)
    s = svc.start("sup1", "a1", mode)
    active(svc, s)
    m = mix(sim, s)
    # eavesdrop runs on the customer leg: "peer" is the agent, "target" the customer
    assert m["target"] == customer and m["dtmf"] is True
    assert (m["peer_hears"], m["target_hears"]) == (agent_hears, customer_hears)
    assert svc.visible("boss") == [s] and s.mode == mode
    row = store.db["supervision_sessions"].get(s.id)
    assert row["status"] == "active" and row["supervisor_leg"] == s.supervisor_leg


def test_switching_modes_from_the_api_and_from_the_keypad(env) -> None:
    sim, board, store = env
    svc, _ = service(board, store)
    bridged_call(sim, board)
    s = svc.start("sup1", "a1", "monitor")
    active(svc, s)
    assert mix(sim, s)["mode"] == "listen"
    for mode, sim_mode in (
        ("whisper", "peer"),
        ("barge", "both"),
        ("monitor", "listen"),
        ("barge", "both"),
    ):
        svc.change_mode("sup1", s.id, mode)
        assert s.mode == mode and sim.eavesdrop_mode(s.supervisor_leg)["mode"] == sim_mode
    sim.send_dtmf(s.supervisor_leg, "1")  # the supervisor presses 1 on their own phone
    wait_for(lambda: s.mode == "whisper", what="keypad digit tracked")
    assert sim.eavesdrop_mode(s.supervisor_leg)["mode"] == "peer"
    changes = [(e.data["before"], e.data["mode"], e.data["by"], e.data["via"])
               for e in store.journal.read(kind="supervision.mode")]  # fmt: skip
    assert changes == [("monitor", "whisper", "sup1", "api"), ("whisper", "barge", "sup1", "api"),
                       ("barge", "monitor", "sup1", "api"), ("monitor", "barge", "sup1", "api"),
                       ("barge", "whisper", "sup1", "keypad")]  # fmt: skip


def test_permissions_are_refused_clearly_and_journaled(env) -> None:
    sim, board, store = env
    svc, _ = service(board, store)
    bridged_call(sim, board)
    with pytest.raises(
        PermissionDenied, match="sup3 may not monitor agent a1: not in any of their teams"
    ):
        svc.start("sup3", "a1", "monitor")
    with pytest.raises(PermissionDenied, match=r"a1 \(agent\) may not whisper"):
        svc.start("a1", "a1", "whisper")
    with pytest.raises(SupervisionError, match="unknown supervision mode"):
        svc.start("sup1", "a1", "spy")
    s = svc.start("sup1", "a1", "monitor")
    active(svc, s)
    with pytest.raises(PermissionDenied):
        svc.change_mode("sup3", s.id, "barge")
    with pytest.raises(PermissionDenied):
        svc.visible("a1")
    assert svc.visible("sup3") == [] and svc.visible("sup2") == [s]
    assert store.journal.count("supervision.refused") == 3
    # nothing changed (mix waits for the eavesdrop, which runs just after the answer)
    assert not mix(sim, s)["peer_hears"]


def test_supervisor_hangup_leaves_the_call_alone(env) -> None:
    sim, board, store = env
    svc, _ = service(board, store)
    customer, agent = bridged_call(sim, board)
    s = svc.start("sup1", "a1", "whisper")
    active(svc, s)
    sim.hangup(s.supervisor_leg)
    wait_for(lambda: s.status == "ended", what="session ended")
    assert s.end_reason == "supervisor hung up"
    legs = board.tracker.legs
    assert legs[customer].alive and legs[agent].alive and legs[customer].bridged_to == agent
    assert board.switches["sim1"].api("uuid_exists", customer) == "true"


def test_agent_hangup_ends_the_supervisor_leg(env) -> None:
    sim, board, store = env
    svc, _ = service(board, store)
    customer, agent = bridged_call(sim, board)
    s1 = svc.start("sup1", "a1", "monitor")
    s2 = svc.start("sup2", "a1", "barge")  # two supervisors on one call
    active(svc, s1)
    active(svc, s2)
    assert {x.id for x in svc.visible("boss")} == {s1.id, s2.id}
    assert mix(sim, s1)["mode"] == "listen" and mix(sim, s2)["mode"] == "both"
    svc.change_mode("sup1", s1.id, "whisper")
    assert mix(sim, s1)["mode"] == "peer" and mix(sim, s2)["mode"] == "both"
    sim.hangup(agent)
    wait_for(lambda: s1.status == s2.status == "ended", what="sessions ended")
    wait_for(lambda: s1.supervisor_leg not in sim.legs and s2.supervisor_leg not in sim.legs,
             what="supervisor legs gone")  # fmt: skip
    assert s1.end_reason == s2.end_reason == "call ended"
    ends = list(store.journal.read(kind="supervision.end"))
    assert {e.data["supervisor"] for e in ends} == {"sup1", "sup2"} and all(
        e.data["ended_at"] for e in ends
    )


def test_customer_hangup_ends_the_session_too(env) -> None:
    sim, board, store = env
    svc, _ = service(board, store)
    customer, _ = bridged_call(sim, board)
    s = svc.start("boss", "a1", "monitor")
    active(svc, s)
    sim.hangup(customer)
    wait_for(lambda: s.status == "ended" and s.supervisor_leg not in sim.legs, what="ended")


def test_stop_and_a_second_start_by_the_same_supervisor(env) -> None:
    sim, board, store = env
    svc, _ = service(board, store)
    customer, agent = bridged_call(sim, board)
    s = svc.start("sup1", "a1", "monitor")
    active(svc, s)
    with pytest.raises(SupervisionError, match="already supervises"):
        svc.start("sup1", "a1", "barge")
    svc.stop("sup1", s.id)
    wait_for(lambda: s.supervisor_leg not in sim.legs, what="supervisor leg gone")
    assert s.end_reason == "stopped by sup1" and board.tracker.legs[customer].bridged_to == agent


def test_notice_and_tone(env) -> None:
    sim, board, store = env
    notices: list = []
    svc = SupervisionService(board, store, DIRECTORY, Settings.from_config({"notify": "notice"}),
                             on_notice=lambda a, info: notices.append((a, info["supervisor"])))  # fmt: skip
    board.tracker.subscribe(svc.on_leg)
    bridged_call(sim, board)
    s = svc.start("sup1", "a1", "monitor")
    active(svc, s)
    assert notices == [("a1", "sup1")] and store.journal.count("supervision.notice") == 1
    svc.stop("sup1", s.id)
    tone, _ = service(board, store, notify="tone")
    s2 = tone.start("sup2", "a1", "monitor")
    active(tone, s2)
    wait_for(lambda: store.journal.count("supervision.notice") == 2, what="tone notice")


def test_no_call_and_no_contact(env) -> None:
    sim, board, store = env
    svc, _ = service(board, store)
    with pytest.raises(Exception, match="no live bridged call"):
        svc.start("sup1", "a1", "monitor")


def test_takeover_bridges_the_supervisor_and_releases_the_agent(env) -> None:
    sim, board, store = env
    svc, released = service(board, store)
    customer, agent = bridged_call(sim, board)
    s = svc.start("sup1", "a1", "monitor")
    active(svc, s)
    svc.change_mode("sup1", s.id, "takeover")
    assert s.mode == "takeover" and released == [("a1", "int-1")]
    wait_for(lambda: agent not in sim.legs, what="agent leg released")
    assert store.journal.count("supervision.takeover") == 1
    sim_sleep(sim, 1.0)
    assert customer in sim.legs and sim.legs[customer].peer.uuid == s.supervisor_leg
    assert s.status == "active" and board.tracker.legs[customer].bridged_to == s.supervisor_leg
    assert sim.eavesdrop_mode(s.supervisor_leg) is None  # the eavesdrop ended cleanly
    assert store.journal.count("supervision.end") == 0


def test_takeover_order_releases_then_moves_the_customer(env) -> None:
    """The ACD hears the release before `uuid_bridge`; then, as in switch_ivr_bridge.c, the old
    bridge ends (UNBRIDGE on the customer, the old originator), the agent leg left behind is hung
    up NORMAL_CLEARING by the switch, and the customer is bridged to the supervisor."""
    sim, board, store = env
    seen: list[str] = []
    released: list = []
    svc = SupervisionService(board, store, DIRECTORY, Settings(),
                             on_agent_released=lambda a, i: released.append(len(seen)))  # fmt: skip
    board.tracker.subscribe(svc.on_leg)
    customer, agent = bridged_call(sim, board)
    names = ("CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP", "MEDIA_BUG_STOP")
    sim.listeners.append(lambda ev: seen.append(f"{ev.name}:{ev.uuid}")
                         if ev.name in names else None)  # fmt: skip
    s = svc.start("sup1", "a1", "takeover")
    assert s.mode == "takeover" and len(released) == 1
    wait_for(lambda: f"CHANNEL_HANGUP:{agent}" in seen, what="agent leg hung up")
    unbridge, hangup = (
        seen.index(f"CHANNEL_UNBRIDGE:{customer}"),
        seen.index(f"CHANNEL_HANGUP:{agent}"),
    )
    bridge = len(seen) - 1 - seen[::-1].index(f"CHANNEL_BRIDGE:{customer}")
    assert released[0] <= unbridge < hangup < bridge
    assert f"MEDIA_BUG_STOP:{customer}" in seen  # the supervisor's eavesdrop ended
    causes = [e.get("Hangup-Cause") for e in list(sim.history)
              if e.name == "CHANNEL_HANGUP" and e.uuid == agent]  # fmt: skip
    assert causes == ["NORMAL_CLEARING"]
    kinds = [e.kind for e in store.journal.read(kind_prefix="supervision.")]
    assert kinds[:3] == ["supervision.start", "supervision.joined", "supervision.takeover"]
    assert "supervision.end" not in kinds and s.status == "active"


def test_an_agent_with_park_after_bridge_is_hung_up_by_the_service(env) -> None:
    sim, board, store = env
    svc, released = service(board, store)
    customer, agent = bridged_call(sim, board)
    board.switches["sim1"].api("uuid_setvar", agent, "park_after_bridge", "true")
    s = svc.start("sup1", "a1", "monitor")
    active(svc, s)
    svc.change_mode("sup1", s.id, "takeover")
    wait_for(lambda: agent not in sim.legs, what="parked agent leg hung up")
    assert board.tracker.legs[customer].bridged_to == s.supervisor_leg and customer in sim.legs


def test_switching_modes_by_session_event_with_the_keypad_locked(env) -> None:
    sim, board, store = env
    svc, _ = service(board, store, switch_modes="event", supervisor_keys=False)
    bridged_call(sim, board)
    s = svc.start("sup1", "a1", "monitor")
    active(svc, s)
    assert mix(sim, s)["dtmf"] is False
    sim.send_dtmf(s.supervisor_leg, "3")  # keys on the supervisor's phone do nothing
    sim_sleep(sim, 0.1)  # (the sim drops session events queued during its 20 ms digit frame)
    assert sim.eavesdrop_mode(s.supervisor_leg)["mode"] == "listen" and s.mode == "monitor"
    svc.change_mode("sup1", s.id, "whisper")
    sim_sleep(sim, 0.2)
    assert sim.eavesdrop_mode(s.supervisor_leg)["mode"] == "peer" and s.mode == "whisper"
    svc.change_mode("sup1", s.id, "barge")
    sim_sleep(sim, 0.2)
    assert sim.eavesdrop_mode(s.supervisor_leg)["mode"] == "both"
    vias = [e.data["via"] for e in store.journal.read(kind="supervision.mode")]
    assert vias == ["event", "event"]


def test_a_rejecting_supervisor_phone_and_a_stop_while_ringing(env) -> None:
    sim, board, store = env
    svc, _ = service(board, store)
    bridged_call(sim, board)
    sim.add_phone("user/2001", PhoneBehavior.reject(after=0.2))
    s = svc.start("sup1", "a1", "monitor")
    assert s.supervisor_leg  # named up front with origination_uuid
    wait_for(lambda: s.status == "ended", what="session ended")
    assert s.end_reason == "supervisor phone: CALL_REJECTED"
    sim.add_phone("user/2002", PhoneBehavior.no_answer())
    s2 = svc.start("sup2", "a1", "monitor")
    wait_for(lambda: s2.supervisor_leg in sim.legs, what="supervisor phone ringing")
    svc.stop("sup2", s2.id)  # the ringing phone is cancelled, not left to ring out
    wait_for(lambda: s2.supervisor_leg not in sim.legs, what="ringing leg gone")
    assert s2.status == "ended" and s2.end_reason == "stopped by sup2"

"""The ACD dispatcher against a real FreeSWITCH: offer -> originate -> bridge -> hangup ->
wrap-up, with loopback endpoints standing in for the caller and the agent's phone.
Run with CALLDESK_ESL_URL set."""

from __future__ import annotations

import time

import gevent
import pytest
from tests.live.conftest import ANSWERS, NEVER_ANSWERS, hang_up_role, parked_loopback

from calldesk.acd import Acd, AgentConfig, AgentPolicy, AgentState, QueueConfig
from calldesk.app import wire_acd
from calldesk.engine import DispatchSettings, Engine
from calldesk.interactions import EnqueueRequest
from calldesk.store import Store

pytestmark = pytest.mark.live_freeswitch


def wait_for(predicate, timeout: float = 15.0, what: str = "") -> None:
    with gevent.Timeout(timeout, AssertionError(f"not in time: {what}")):
        while not predicate():
            gevent.sleep(0.02)


def service(board, tmp_path, contact: str) -> Engine:
    acd = Acd([QueueConfig("sales", wrap_up_s=1)], [AgentConfig("alice", contact, queues=("sales",))],
              policy=AgentPolicy(lease_s=4, no_answer_delay_s=30))  # fmt: skip
    svc, _ = wire_acd(acd, board, Store.open(tmp_path / "acd.sqlite"), time.time,
                      DispatchSettings(moh="silence_stream://-1"))
    return svc.start()


def enqueue(svc: Engine, leg: str) -> None:
    svc.enqueue(EnqueueRequest(
        interaction_id=leg, medium="voice", queue="sales", priority=0, skills={}, language="en",
        caller={"id": "+15550101"}, variables={}, data={"live": True}, flow="live",
        flow_version="1", path=[]))  # fmt: skip


def test_offer_originate_bridge_hangup_wrapup(live_board, tmp_path) -> None:
    conn = next(iter(live_board.switches.values()))
    svc = service(live_board, tmp_path, ANSWERS)
    caller = parked_loopback(conn)
    try:
        svc.login("alice", ready=True)
        enqueue(svc, caller)
        alice = svc.acd.agents["alice"]
        wait_for(lambda: alice.state is AgentState.BUSY, what="answered")
        wait_for(lambda: live_board.tracker.legs[caller].bridged_to is not None, what="bridged")
        agent_leg = live_board.tracker.legs[live_board.tracker.legs[caller].bridged_to]
        assert agent_leg.variables.get("calldesk_role") == "agent"
        assert svc.persist.screen_pops("alice")[0]["data"]["live"] is True
        conn.hangup(caller)
        wait_for(lambda: alice.state is AgentState.WRAP_UP, what="wrap-up")
        wait_for(lambda: not agent_leg.alive, what="agent leg hung up")
        wait_for(lambda: alice.state is AgentState.AVAILABLE, what="available")
        assert alice.handled == 1
    finally:
        conn.hangup(caller)
        hang_up_role(live_board, "agent")
        svc.stop()


def test_unanswered_offer_is_cancelled_at_lease_end(live_board, tmp_path) -> None:
    conn = next(iter(live_board.switches.values()))
    svc = service(live_board, tmp_path, NEVER_ANSWERS)
    caller = parked_loopback(conn)
    try:
        svc.login("alice", ready=True)
        enqueue(svc, caller)
        wait_for(lambda: list(svc.store.journal.read(kind="offer.refused")), what="refused")
        refused = next(svc.store.journal.read(kind="offer.refused"))
        assert refused.data["cause"] in ("timeout", "no_answer")
        assert caller in svc.acd.interactions  # back in line, still waiting
        wait_for(lambda: not [leg for leg in live_board.tracker.legs.values()
                              if leg.variables.get("calldesk_role") == "agent"], what="ring stopped")  # fmt: skip
    finally:
        conn.hangup(caller)
        hang_up_role(live_board, "agent")
        svc.stop()


def test_position_announcement_breaks_moh_then_plays_it_again(live_board, tmp_path) -> None:
    """On a real switch: the MOH playback completes (uuid_break) before the announcement starts
    (nothing nested inside it), and MOH starts again after the announcement completes."""
    conn = next(iter(live_board.switches.values()))
    tone = "tone_stream://%(300,0,440)"
    acd = Acd([QueueConfig("sales", announce_every_s=2)],
              [AgentConfig("alice", NEVER_ANSWERS, queues=("sales",))])  # fmt: skip
    svc, _ = wire_acd(acd, live_board, Store.open(tmp_path / "acd.sqlite"), time.time,
                      DispatchSettings(moh="silence_stream://-1", announce_app="playback",
                                       announce_arg=tone))
    svc.start()
    seen: list[tuple[str, str]] = []
    caller = parked_loopback(conn)
    live_board.tracker.subscribe(
        lambda leg, e: seen.append((e.name[15:] or "START", e.get("Application-Data") or ""))
        if leg.uuid == caller and e.name.startswith("CHANNEL_EXECUTE") else None
    )  # fmt: skip
    moh = "silence_stream://-1"
    try:
        enqueue(svc, caller)  # alice is logged out: the caller waits
        wait_for(lambda: seen.count(("START", moh)) >= 2, what="MOH again after the position")
        # Only MOH and the announcement: the loopback leg's own `park` may start on either side
        # of our first sendmsg (both wait in the session's queue).
        seen[:] = [x for x in seen if x[1] in (moh, tone)]
        i = seen.index(("START", tone))
        assert seen[i - 1] == ("_COMPLETE", moh)  # the MOH had ended before
        assert seen[i + 1 : i + 3] == [("_COMPLETE", tone), ("START", moh)]
    finally:
        conn.hangup(caller)
        svc.stop()

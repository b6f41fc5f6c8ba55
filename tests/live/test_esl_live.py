"""The ESL layer against a real FreeSWITCH: inbound connection, bgapi, sendmsg execute matching,
and resync after a reconnect. Run with CALLDESK_ESL_URL set."""

from __future__ import annotations

import gevent
import pytest
from tests.live.conftest import parked_loopback

pytestmark = pytest.mark.live_freeswitch


def test_inbound_connection_and_api(live_board) -> None:
    conn = next(iter(live_board.switches.values()))
    assert conn.api("status").startswith("UP ")
    assert conn.api("bogus_command", check=False).startswith(
        "-ERR bogus_command Command not found!"
    )


def test_bgapi_results_arrive_by_job_uuid(live_board) -> None:
    conn = next(iter(live_board.switches.values()))
    busy = conn.bgapi("originate", "error/user_busy &park()")
    status = conn.bgapi("status")
    assert status.get(timeout=10).startswith("UP ")
    assert busy.get(timeout=10).strip() == "-ERR USER_BUSY"


def test_sendmsg_execute_completion_matched_by_application_uuid(live_board) -> None:
    conn = next(iter(live_board.switches.values()))
    leg = parked_loopback(conn)
    try:
        first = conn.execute_async(leg, "playback", "silence_stream://300")
        second = conn.execute_async(leg, "playback", "tone_stream://%(200,0,440)")
        done_first = first.get(timeout=10)
        done_second = second.get(timeout=10)
        assert done_first.get("Application-Data") == "silence_stream://300"
        assert done_second.get("Application-Data") == "tone_stream://%(200,0,440)"
        assert done_first.get("Application-Response") == "FILE PLAYED"
        assert done_first.get("Application-UUID") != done_second.get("Application-UUID")
    finally:
        conn.hangup(leg)


def test_resync_after_reconnect_rebuilds_legs(live_board) -> None:
    conn = next(iter(live_board.switches.values()))
    leg = parked_loopback(conn)
    try:
        gevent.sleep(0.5)
        assert live_board.tracker.legs[leg].parked
        live_board.tracker.legs.clear()  # forget everything, as a restarted controller would
        conn._proto.close()  # drop the TCP connection behind the controller's back
        assert conn.wait_ready(timeout=15)
        assert leg in live_board.tracker.legs
        assert live_board.tracker.legs[leg].status == "answered"
    finally:
        conn.hangup(leg)

"""Issue 10 on the switch itself: the settings `calldesk fsconf render` writes for media.

- RTP timer: two SIP legs that send no RTP (SIPp phones) bridge promptly and pass DTMF, and the
  legs report `rtp_use_timer_name=soft` (a profile without the timer shows `_undef_`, and its
  bridge, DTMF and BYE come ~5 s late). Needs the rendered live config and SIPp.
- Announcements: `say` plays (PLAYBACK_START/STOP, `done`) and lasts as long as its files; a
  switch without the `languages` section completes `say` at once with no playback.
- Session-rate throttle: a throttled originate answers at once `-ERR DESTINATION_OUT_OF_ORDER`.
"""

from __future__ import annotations

import gevent
import pytest
from tests.live.conftest import parked_loopback
from tests.live.sip_site import Sipp, require_sip_site, require_sipp

from calldesk.esl.frames import Event

pytestmark = pytest.mark.live_freeswitch

STALL = 5.0  # s: what a timerless read waits for RTP that never comes (no-rtp-bridge trace)


def _events(conn) -> list[Event]:  # type: ignore[no-untyped-def]
    seen: list[Event] = []
    conn.add_handler(seen.append, inline=True)
    return seen


def _wait(seen: list[Event], name: str, uuid: str, timeout: float, start: int = 0) -> Event:
    with gevent.Timeout(timeout, AssertionError(f"no {name} on {uuid} within {timeout} s")):
        while True:
            for e in seen[start:]:
                if e.name == name and e.uuid == uuid:
                    return e
            gevent.sleep(0.02)


@pytest.fixture
def sipp(live_board):  # type: ignore[no-untyped-def]
    require_sip_site(next(iter(live_board.switches.values())))  # the switch first, then SIPp
    runner = Sipp(require_sipp(), "127.0.0.1")
    yield runner
    runner.close()


def test_sip_legs_without_rtp_bridge_promptly_with_the_soft_timer(live_board, sipp) -> None:
    conn = next(iter(live_board.switches.values()))
    seen = _events(conn)
    legs = []
    try:
        for _ in range(2):
            _, port = sipp.phone("-m", "1")
            out = conn.api("originate", "{calldesk_role=live_rtp}sofia/calldesk_trunks/"
                           f"agent@127.0.0.1:{port} &park()", timeout=20)  # fmt: skip
            assert out.startswith("+OK "), out
            legs.append(out.split()[1].strip())
        a, b = legs
        assert conn.api("uuid_getvar", f"{a} rtp_use_timer_name") == "soft"
        n = len(seen)
        assert conn.api("uuid_bridge", f"{a} {b}").strip() == f"+OK {b}"
        # bounded below the 5 s a timerless read would block: the bridge is not waiting on it
        bridge = _wait(seen, "CHANNEL_BRIDGE", a, timeout=STALL - 1, start=n)
        assert bridge.get("Other-Leg-Unique-ID") == b
        n = len(seen)
        conn.api("uuid_recv_dtmf", f"{a} 5")
        assert _wait(seen, "DTMF", a, timeout=STALL - 1, start=n).get("DTMF-Digit") == "5"
    finally:
        for leg in legs:
            conn.hangup(leg)


def test_say_is_audible_and_lasts_as_long_as_its_files(live_board) -> None:
    conn = next(iter(live_board.switches.values()))
    seen = _events(conn)
    leg = parked_loopback(conn)
    try:
        n = len(seen)
        done = conn.execute_async(leg, "say", "en number pronounced 42").get(timeout=20)
        assert done.get("Application-Response") == "_none_"  # say reports no error text
        plays = [e for e in seen[n:] if e.uuid == leg and e.name.startswith("PLAYBACK_")]
        assert [e.name for e in plays] == ["PLAYBACK_START", "PLAYBACK_STOP"], (
            "say played nothing: is the languages section rendered (freeswitch.xml)?")  # fmt: skip
        path = plays[0].get("Playback-File-Path") or ""
        files = [f for f in path.removeprefix("file_string://").split("!") if f]
        assert files and all(f.startswith("digits/") for f in files), path
        assert plays[1].get("Playback-Status") == "done"
        lasted = int(plays[1].get("variable_playback_ms") or 0)
        assert lasted >= 300 * len(files), (lasted, files)  # a spoken digit is 0.3-0.5 s
    finally:
        conn.hangup(leg)


def test_a_throttled_originate_answers_destination_out_of_order(live_board) -> None:
    conn = next(iter(live_board.switches.values()))
    before = conn.api("fsctl", "sps").strip()
    assert before.startswith("+OK sessions per second: "), before
    old = before.rsplit(" ", 1)[1]
    try:
        assert conn.api("fsctl", "sps 1").strip() == "+OK sessions per second: 1"
        out = conn.api("originate", "loopback/park/default/inline &park()", timeout=10,
                       check=False)  # fmt: skip
        assert out == "-ERR DESTINATION_OUT_OF_ORDER\n"  # sps 1 admits no session at all
    finally:
        conn.api("fsctl", f"sps {old}")

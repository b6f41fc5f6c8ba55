"""Outbound attempts through the `local-sipp` gateway of `tests/live/calldesk-live.yaml` to
callees that answer with a "Hello?", never answer, or are answering machines (a greeting, then
a beep), with AMD (mod_dptools' detect_audio / detect_silence) run on each answered leg as
the dialer runs it. Asserts what the switch did: its CHANNEL_ANSWER, the detect apps' outcome
variables on CHANNEL_EXECUTE_COMPLETE, the NO_ANSWER hangup after the 15 s ring.

On FreeSWITCH the callees are SIPp UAS processes on the gateway's proxy port (5098) sending
RTP made by `rtp_audio.py`; on `calldesk sim` (the live suite on the sim) they are its
simulated phones behind the gateway (`api sim_phone`), whose early audio drives the same apps.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import gevent
import pytest
from tests.live.rtp_audio import write_pcap
from tests.live.sip_site import Sipp, require_sip_site, require_sipp
from tests.live.test_outbound_live import GATEWAY, dialer  # noqa: F401  (fixture)

from calldesk.dialer.amd import AmdThresholds
from calldesk.dialer.legs import LegPorts
from calldesk.trunks.dialer import OutboundFailed

pytestmark = pytest.mark.live_freeswitch

HELLO = [("silence", 0.4), ("speech", 0.6), ("silence", 6.0)]
GREETING = [("silence", 0.3), *[("speech", 0.7), ("silence", 0.2)] * 5, ("silence", 0.4),
            ("beep", 0.5), ("silence", 4.0)]
NUMBERS = {"answer": "+12125550101", "no_answer": "+12125550102", "machine": "+12125550103"}
VARS = {"originate_timeout": 15, "calldesk_role": "dialer"}


def is_sim(conn: Any) -> bool:
    return not conn.api("sim_legs", check=False).startswith("-ERR")


class Callees:
    """Puts a callee of the wanted kind behind the gateway, on the sim or with SIPp."""

    def __init__(self, conn: Any, tmp: Path) -> None:
        self.conn, self.tmp, self.sipp = conn, tmp, None
        if not is_sim(conn):
            require_sip_site(conn)
            self.sipp = Sipp(require_sipp(), "127.0.0.1")

    def put(self, kind: str) -> str:
        number = NUMBERS[kind]
        if self.sipp is None:
            args = {"answer": "answer 1", "no_answer": "no_answer", "machine": "machine 1 5"}
            out = self.conn.api("sim_phone", f"sofia/gateway/{GATEWAY}/{number} {args[kind]}")
            assert out.startswith("+OK"), out
            return number
        if kind == "no_answer":
            self.sipp.start("-sf", "callee-noanswer.xml", "-m", "1", port=5098)
        else:
            pcap = write_pcap(self.tmp / f"{kind}.pcap", HELLO if kind == "answer" else GREETING)
            self.sipp.start("-sf", "callee-answer.xml", "-key", "audio_file", str(pcap),
                            "-m", "1", port=5098)
        gevent.sleep(0.5)  # SIPp bound
        return number

    def close(self) -> None:
        if self.sipp is not None:
            self.sipp.close()


@pytest.fixture
def callees(live_board: Any, tmp_path: Path):  # noqa: ANN201
    conn = next(iter(live_board.switches.values()))
    status = conn.api("sofia", "status", "gateway", GATEWAY, check=False)
    if not is_sim(conn) and (GATEWAY not in status or "Invalid Gateway" in status):
        pytest.skip(f"gateway {GATEWAY} is not loaded on this switch")
    c = Callees(conn, tmp_path)
    yield c
    c.close()


@pytest.fixture
def events(live_board: Any) -> list:
    seen: list = []
    conn = next(iter(live_board.switches.values()))
    conn.add_handler(lambda ev: seen.append(ev))
    return seen


def _of(events: list, leg: str, name: str) -> list[dict[str, str]]:
    out = []
    for ev in list(events):
        if ev.get("Unique-ID") == leg and ev.get("Event-Name") == name:
            out.append({k: ev.get(k) or "" for k in ("Application", "Hangup-Cause",
                        "variable_detect_audio_timeout", "variable_detect_silence_timeout")})
    return out


def _amd(live_board: Any, leg: str) -> Any:
    ports = LegPorts(live_board, None, None, time.time)
    conn = next(iter(live_board.switches.values()))
    try:
        return ports.amd(leg, conn.name, AmdThresholds(), lambda: True)
    finally:
        conn.hangup(leg)


def test_a_person_answers_and_amd_hears_a_human(dialer, live_board, callees, events) -> None:  # noqa: ANN001, F811
    got = dialer.dial(callees.put("answer"), VARS)
    verdict = _amd(live_board, got.uuid)
    assert verdict is not None and verdict.result == "human", verdict
    assert _of(events, got.uuid, "CHANNEL_ANSWER")
    done = _of(events, got.uuid, "CHANNEL_EXECUTE_COMPLETE")
    first = next(d for d in done if d["Application"] == "detect_audio")
    assert first["variable_detect_audio_timeout"] == "false"  # the "Hello?" was heard
    assert any(d["Application"] == "detect_audio" and d["variable_detect_audio_timeout"] == "true"
               for d in done)  # then the silence of someone waiting for an answer


def test_a_callee_who_never_answers_rings_15_s(dialer, live_board, callees, events) -> None:  # noqa: ANN001, F811
    started = time.monotonic()
    with pytest.raises(OutboundFailed) as info:
        dialer.dial(callees.put("no_answer"), VARS)
    assert time.monotonic() - started >= 14.5  # the ring lasted the campaign's 15 s
    assert info.value.cause in ("NO_ANSWER", "ALLOTTED_TIMEOUT")
    leg = dict(dialer.journal.entries)["outbound.attempt"]["leg"]
    gevent.sleep(0.5)
    hangups = _of(events, leg, "CHANNEL_HANGUP")
    assert hangups and hangups[0]["Hangup-Cause"] in ("NO_ANSWER", "ALLOTTED_TIMEOUT")
    assert not _of(events, leg, "CHANNEL_ANSWER")


def test_a_machine_greeting_is_classified_a_machine(dialer, live_board, callees, events) -> None:  # noqa: ANN001, F811
    got = dialer.dial(callees.put("machine"), VARS)
    verdict = _amd(live_board, got.uuid)
    assert verdict is not None and verdict.result == "machine", verdict
    assert verdict.reason in ("long_greeting", "max_words")
    done = _of(events, got.uuid, "CHANNEL_EXECUTE_COMPLETE")
    assert [d["Application"] for d in done][:2] == ["detect_audio", "detect_silence"]
    assert done[0]["variable_detect_audio_timeout"] == "false"

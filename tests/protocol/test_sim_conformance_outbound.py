"""Conformance for outbound socket mode, eavesdrop and filters (see test_sim_conformance.py)."""

from __future__ import annotations

import gevent
import pytest
from gevent.server import StreamServer
from tests.protocol.sim_client import RawClient
from tests.protocol.sim_conformance import describe, per_leg, trace_frames

from calldesk.sim import SimSwitch


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="ClueCon-test", time_scale=20.0, recordings_dir=tmp_path).start()
    yield s
    s.stop()


def _outbound(sw: SimSwitch) -> tuple[RawClient, StreamServer]:
    """Our listener; the sim's socket app connects to it when 5553000 is called."""
    clients: list[RawClient] = []
    server = StreamServer(
        ("127.0.0.1", 0), lambda s, a: clients.append(RawClient(s)) or gevent.sleep(30)
    )
    server.start()
    sw.dialplan.add_socket("5553000", "127.0.0.1", server.server_port)
    sw.inject_call("5553000")
    with gevent.Timeout(5):
        while not clients:
            gevent.sleep(0.005)
    return clients[0], server


def test_outbound_socket(sw: SimSwitch) -> None:
    c, server = _outbound(sw)
    gevent.sleep(0.05)
    assert c.frames == []  # nothing until the client speaks
    data = c.command("connect\n\n")
    keys = data.headers.keys()
    assert data.headers.get("Event-Name") == "CHANNEL_DATA" and not data.body
    assert keys[-4:] == ["Content-Type", "Reply-Text", "Socket-Mode", "Control"]
    assert data.headers.get("Reply-Text") == "+OK\n"
    assert data.headers.get("variable_socket_host") == "127.0.0.1"
    u = data.headers.get("Unique-ID")
    assert c.command("myevents\n\n").reply_text == "+OK Events Enabled"
    assert c.command("linger\n\n").reply_text == "+OK will linger"
    c.command(
        "sendmsg\ncall-command: execute\nexecute-app-name: answer\nEvent-UUID: 2c55f06a-c901-4c61-badc-7a1cf4cb70e0\n\n"
    )
    c.wait_event("CHANNEL_EXECUTE_COMPLETE", Application="answer")
    c.command(
        "sendmsg\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: tone_stream://%(1000,0,440);loops=3\nEvent-UUID: b8209de3-6cf8-44b7-af98-7d20d0f57c77\n\n"
    )
    c.wait_event("CHANNEL_EXECUTE", Application="playback")
    sw.send_dtmf(u, "5")
    done = c.wait_event("CHANNEL_EXECUTE_COMPLETE", Application="playback").event()
    assert done.get("Application-Response") == "FILE PLAYED"
    sw.send_dtmf(u, "7")
    c.wait_event("DTMF", DTMF_Digit="7")
    c.command(
        "sendmsg\ncall-command: execute\nexecute-app-name: hangup\nexecute-app-arg: NORMAL_CLEARING\nEvent-UUID: 67ff76dc-6eb6-4773-af7e-a10b121696ed\n\n"
    )
    notice = c.wait_for(lambda f: f.content_type == "text/disconnect-notice")
    assert notice.headers.get("Content-Disposition") == "linger"
    assert notice.headers.get("Linger-Time") == "-1"
    assert notice.headers.get("Controlled-Session-UUID") == u
    c.command("exit\n\n")
    c.wait_closed()
    last = c.frames[-1]
    assert last.headers.get("Content-Disposition") == "disconnect" and last.body.startswith(
        b"Disconnected"
    )
    assert not any(e.name == "CHANNEL_DESTROY" for e in c.events())
    assert describe(c.frames) == describe(trace_frames("outbound-socket"))
    server.stop()


def test_outbound_socket_linger_timeout(sw: SimSwitch) -> None:
    c, server = _outbound(sw)
    c.command("connect\n\n")
    c.command("myevents\n\n")
    assert c.command("linger 3\n\n").reply_text == "+OK will linger 3 seconds"
    c.command("sendmsg\ncall-command: execute\nexecute-app-name: answer\n\n")
    c.wait_event("CHANNEL_EXECUTE_COMPLETE", Application="answer")
    c.command(
        "sendmsg\ncall-command: execute\nexecute-app-name: hangup\nexecute-app-arg: USER_BUSY\n\n"
    )
    c.wait_closed(timeout=5)
    hang = c.wait_event("CHANNEL_HANGUP").event()
    assert hang.get("Hangup-Cause") == "USER_BUSY"
    assert all(e.get("Application-UUID") for e in c.events() if "EXECUTE" in e.name)
    notices = [f for f in c.frames if f.content_type == "text/disconnect-notice"]
    assert [n.headers.get("Content-Disposition") for n in notices] == ["linger", "disconnect"]
    assert notices[0].headers.get("Linger-Time") == "3"
    assert describe(c.frames) == describe(trace_frames("outbound-socket-linger-timeout"))
    server.stop()


def test_eavesdrop(sw: SimSwitch) -> None:
    c = RawClient.connect(sw.port)
    c.command(f"auth {sw.password}\n\n")
    c.command(
        "event plain MEDIA_BUG_START MEDIA_BUG_STOP CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER CHANNEL_PARK CHANNEL_UNPARK CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_STATE CHANNEL_CALLSTATE DTMF PLAYBACK_START PLAYBACK_STOP RECORD_START RECORD_STOP BACKGROUND_JOB CHANNEL_DESTROY CUSTOM\n\n"
    )
    caller = sw.inject_call("5551000")
    c.wait_event("CHANNEL_PARK", Unique_ID=caller)
    agent = c.command(
        "api originate {origination_caller_id_number=queue,calldesk_role=agent}loopback/5552000/public &park()\n\n"
    ).text.split()[1]
    c.wait_event("CHANNEL_PARK", Unique_ID=agent)
    c.command(f"api uuid_bridge {caller} {agent}\n\n")
    c.wait_event("CHANNEL_STATE", Channel_State="CS_EXCHANGE_MEDIA")
    sup = c.command(
        f"api originate {{origination_caller_id_number=supervisor,calldesk_role=supervisor}}loopback/5552000/public &eavesdrop({caller})\n\n"
    ).text.split()[1]
    bug = c.wait_event("MEDIA_BUG_START").event()
    assert (bug.uuid, bug.get("Media-Bug-Function"), bug.get("Media-Bug-Target")) == (
        caller,
        "eavesdrop",
        caller,
    )
    assert sw.eavesdrop_mode(sup)["mode"] == "listen"
    expected = {"2": (True, False), "1": (False, True), "3": (True, True), "0": (False, False)}
    for digit, (target_hears, peer_hears) in expected.items():
        c.command(f"api uuid_recv_dtmf {sup} {digit}\n\n")
        c.wait_event("DTMF", Unique_ID=sup, DTMF_Digit=digit)
        mode = sw.eavesdrop_mode(sup)
        assert (mode["target_hears"], mode["peer_hears"]) == (target_hears, peer_hears), digit
    assert c.command(f"api uuid_getvar {sup} current_application\n\n").body == b"eavesdrop"
    assert c.command(f"api uuid_getvar {sup} current_application_data\n\n").text == caller
    c.command(f"api uuid_kill {sup} NORMAL_CLEARING\n\n")
    c.wait_event("CHANNEL_EXECUTE_COMPLETE", Application="eavesdrop")
    c.wait_event("CHANNEL_STATE", Channel_State="CS_DESTROY", Unique_ID=sup)
    assert c.command(f"api uuid_exists {caller}\n\n").body == b"true"
    calls = c.command("api show calls as json\n\n").text
    assert f'"b_uuid":"{agent}"' in calls
    c.command(f"api uuid_kill {caller} NORMAL_CLEARING\n\n")
    c.wait_event("CHANNEL_STATE", Channel_State="CS_DESTROY", Unique_ID=caller)
    sw.wait_idle(5)
    c.command("exit\n\n")
    c.wait_closed()

    # FreeSWITCH's own recordings differ in the cross-leg DESTROY interleaving and in whether the
    # uuid_bridge peer reports CS_CONSUME_MEDIA before CS_EXCHANGE_MEDIA (bridge-and-record does,
    # eavesdrop does not): compare per leg, without that one transient state.
    def norm(seq):  # type: ignore[no-untyped-def]
        return {k: [x for i, x in enumerate(v) if x != ("CHANNEL_STATE", "CS_CONSUME_MEDIA") or i < 5]
                for k, v in per_leg(seq).items()}  # fmt: skip

    assert norm(describe(c.frames)) == norm(describe(trace_frames("eavesdrop")))


def test_filters_and_disconnect(sw: SimSwitch) -> None:
    c = RawClient.connect(sw.port)
    c.command(f"auth {sw.password}\n\n")
    c.command("event plain ALL\n\n")
    a = sw.inject_call("5551000")
    c.wait_event("CHANNEL_PARK", Unique_ID=a)
    b = sw.inject_call("5551000", "+15550102", "Customer 2")
    c.wait_event("CHANNEL_PARK", Unique_ID=b)
    assert (
        c.command(f"filter Unique-ID {a}\n\n").reply_text == f"+OK filter added. [Unique-ID]=[{a}]"
    )
    n = len(c.frames)
    c.command(f"api uuid_recv_dtmf {a} 1\n\n")
    c.command(f"api uuid_recv_dtmf {b} 2\n\n")
    c.command(
        f"sendmsg {b}\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: tone_stream://%(200,0,600)\n\n"
    )
    c.command(
        f"sendmsg {a}\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: tone_stream://%(200,0,500)\n\n"
    )
    c.wait_event("PRIVATE_COMMAND", start=n)
    sw.clock.sleep(0.5)
    assert {e.uuid for e in [f.event() for f in c.frames[n:] if f.is_event()]} == {a}
    assert (
        c.command(f"filter delete Unique-ID {a}\n\n").reply_text
        == f"+OK filter deleted. [Unique-ID][{a}]"
    )
    assert (
        c.command("nixevent CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE\n\n").reply_text
        == "+OK events nixed"
    )
    n = len(c.frames)
    c.command(
        f"sendmsg {b}\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: tone_stream://%(200,0,700)\n\n"
    )
    c.wait_event("PRIVATE_COMMAND", start=n)
    assert [e.name for e in [f.event() for f in c.frames[n:] if f.is_event()]] == [
        "PLAYBACK_START",
        "PLAYBACK_STOP",
        "PRIVATE_COMMAND",
    ]
    assert c.command("noevents\n\n").reply_text == "+OK no longer listening for events"
    assert c.command("linger\n\n").reply_text == "-ERR not controlling a session"
    assert c.command(f"myevents {b}\n\n").reply_text == "+OK Events Enabled"
    assert c.command("linger\n\n").reply_text == "+OK will linger"
    assert c.command("log 7\n\n").reply_text == "+OK log level 7 [7]"
    c.command(f"api uuid_recv_dtmf {b} 7\n\n")
    c.wait_for(lambda f: f.content_type == "log/data")
    assert c.command("nolog\n\n").reply_text == "+OK no longer logging"
    n = len(c.frames)
    c.command(f"api uuid_kill {b} NORMAL_CLEARING\n\n")
    c.wait_event("CHANNEL_HANGUP_COMPLETE", start=n)
    kinds = [(f.event().name if f.is_event() else f.content_type) for f in c.frames[n:]]
    assert kinds[1:3] == ["CHANNEL_HANGUP", "text/disconnect-notice"]
    assert "CHANNEL_DESTROY" not in kinds and "CHANNEL_CALLSTATE" not in kinds
    c.command("exit\n\n")
    c.wait_closed()
    last = c.frames[-1]
    assert (
        last.headers.get("Controlled-Session-UUID"),
        last.headers.get("Content-Disposition"),
    ) == (b, "disconnect")

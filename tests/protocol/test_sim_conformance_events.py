"""Conformance for `event json ALL` (events-json-call): frames, order, JSON shape, non-channel events."""

from __future__ import annotations

import json

import pytest
from tests.protocol.sim_client import RawClient
from tests.protocol.sim_conformance import describe, trace_frames

from calldesk.esl.frames import Frame
from calldesk.sim import SimSwitch

SCALE = 20.0
NOISE = {"HEARTBEAT", "RE_SCHEDULE"}


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="ClueCon-test", time_scale=SCALE, recordings_dir=tmp_path).start()
    yield s
    s.stop()


def _client(sw: SimSwitch) -> RawClient:
    c = RawClient.connect(sw.port)
    c.wait_for(lambda f: f.content_type == "auth/request")
    assert c.command(f"auth {sw.password}\n\n").reply_text == "+OK accepted"
    return c


def _json(frames: list[Frame], name: str) -> list[dict]:  # type: ignore[type-arg]
    out = []
    for f in frames:
        if f.content_type == "text/event-json":
            obj = json.loads(f.body)
            if obj.get("Event-Name") == name:
                out.append(obj)
    return out


def test_events_json_call(sw: SimSwitch) -> None:
    c = _client(sw)
    assert c.command("event json ALL\n\n").reply_text == "+OK event listener enabled json"
    u = sw.inject_call("5551000")
    c.wait_event("CHANNEL_PARK")
    play = "2123680c-222b-4412-a22e-9e3465928952"
    c.command(f"sendmsg {u}\ncall-command: execute\nexecute-app-name: playback\n"
              f"execute-app-arg: tone_stream://%(300,0,440)\nEvent-UUID: {play}\n\n")  # fmt: skip
    c.wait_event("PRIVATE_COMMAND")
    job = "3fc182c6-0f6b-4983-a312-49b26b3bd1e3"
    r = c.command(f"bgapi uuid_getvar {u} calldesk_did\nJob-UUID: {job}\n\n")
    assert r.reply_text == f"+OK Job-UUID: {job}"
    c.wait_event("BACKGROUND_JOB", Job_UUID=job)
    job2 = c.command("bgapi global_getvar recordings_dir\n\n").headers["Job-UUID"]
    c.wait_event("BACKGROUND_JOB", Job_UUID=job2)
    assert c.command(f"api uuid_kill {u} NORMAL_CLEARING\n\n").text == "+OK\n"
    c.wait_event("CHANNEL_STATE", Channel_State="CS_DESTROY")
    c.command("exit\n\n")
    c.wait_closed()
    want = trace_frames("events-json-call")
    assert describe(c.frames, NOISE) == describe(want, NOISE)

    # every event body is one compact JSON object of strings, framed as text/event-json
    for f in c.frames:
        if f.content_type.startswith("text/event"):
            assert f.content_type == "text/event-json"
            obj = json.loads(f.body)
            assert f.body == json.dumps(obj, separators=(",", ":")).encode()
            assert all(isinstance(v, str) for v in obj.values())
    bg = _json(c.frames, "BACKGROUND_JOB")
    assert [list(b)[-5:] for b in bg] == [list(b)[-5:] for b in _json(want, "BACKGROUND_JOB")]
    assert (bg[0]["_body"], bg[0]["Content-Length"]) == ("5551000", "7")
    assert bg[1]["_body"] == str(sw.recordings_dir)
    assert bg[1]["Content-Length"] == str(len(str(sw.recordings_dir).encode()))
    # PRIVATE_COMMAND echoes the sendmsg headers first, after the app completed
    pc, tpc = _json(c.frames, "PRIVATE_COMMAND")[0], _json(want, "PRIVATE_COMMAND")[0]
    assert list(pc)[:6] == list(tpc)[:6]
    assert {k: pc[k] for k in ("call-command", "execute-app-name", "execute-app-arg")} == {
        k: tpc[k] for k in ("call-command", "execute-app-name", "execute-app-arg")
    }
    assert (pc["Command"], pc["Event-UUID"]) == (f"sendmsg {u}", play)
    assert pc["Event-Calling-Function"] == tpc["Event-Calling-Function"]
    assert not any(k.startswith("variable_") for k in pc)
    # API: one per api call (dialplan strftime, bgapi x2, api uuid_kill), same headers
    api = [(a["API-Command"], a["Event-Calling-Function"]) for a in _json(c.frames, "API")]
    assert api == [(a["API-Command"], a["Event-Calling-Function"]) for a in _json(want, "API")]
    # CODEC: read then write, with the trace's odd header spelling at the end
    codecs, tcodecs = _json(c.frames, "CODEC"), _json(want, "CODEC")
    assert [list(x)[-3:] for x in codecs] == [list(x)[-3:] for x in tcodecs]
    assert [x["Event-Calling-Function"] for x in codecs] == [
        x["Event-Calling-Function"] for x in tcodecs
    ]


def _custom(frames: list[Frame], prefix: str) -> list[Frame]:
    return [f for f in frames if f.is_event() and (f.event().subclass or "").startswith(prefix)]


@pytest.fixture
def slow_sw(tmp_path):  # type: ignore[no-untyped-def]
    """test_avmd_beep must send avmd_stop while the 1 s beep tone plays, 0.5 s into it as the
    trace does: at SCALE the 0.44 s left are 22 ms of wall time, less than a loaded machine
    can stall. At 4x they are 110 ms."""
    s = SimSwitch(password="ClueCon-test", time_scale=4.0, recordings_dir=tmp_path).start()
    yield s
    s.stop()


def test_avmd_beep(slow_sw: SimSwitch) -> None:
    sw = slow_sw
    c = _client(sw)
    c.command("event plain CUSTOM avmd::start avmd::beep avmd::stop\n\n")
    c.command("event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE "
              "CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE MEDIA_BUG_START MEDIA_BUG_STOP "
              "PLAYBACK_START PLAYBACK_STOP\n\n")  # fmt: skip
    r = c.command("api originate {origination_caller_id_number=avmd-test}"
                  "loopback/5555000/public avmd_start,park inline\n\n")  # fmt: skip
    a = r.text.split()[1]
    c.wait_for(lambda f: f in _custom(c.frames, "avmd::beep") and f.event().get("Channel-Name"))
    sw.clock.sleep(0.5)
    c.command(f"sendmsg {a}\ncall-command: execute\nexecute-app-name: avmd_stop\n"
              "Event-UUID: 96d50b80-c590-4030-a2dd-ad5eeedcc1a9\n\n")  # fmt: skip
    c.wait_event("CHANNEL_HANGUP_COMPLETE", Unique_ID=a, timeout=10)
    sw.clock.sleep(0.5)
    c.command("exit\n\n")
    c.wait_closed()
    want = trace_frames("avmd-beep")
    assert describe(c.frames) == describe(want)
    avmd = _custom(c.frames, "avmd::")
    assert [f.event().subclass for f in avmd] == [
        f.event().subclass for f in _custom(want, "avmd::")
    ]
    for bare, copy in zip(avmd[::2], avmd[1::2], strict=True):
        b, k = bare.event(), copy.event()
        assert b.get("Event-Sequence") == k.get("Event-Sequence")
        assert [n for n, _ in b.headers.items()][:2] == ["Event-Subclass", "Event-Name"]
        assert b.headers.get_all("Unique-ID") == [a]
        assert k.headers.get_all("Unique-ID") == [a, a] and k.get("Channel-Name")
        assert b.get("Channel-Name") is None
    beep = avmd[2].event()
    assert (beep.get("Beep-Status"), beep.get("Frequency")) == ("DETECTED", "1000.000000")
    assert int(beep.get("Detection-time")) > 0
    stop = avmd[4].event()
    assert stop.get("Beep-Status") == "DETECTED" and int(stop.get("Total-time")) > 0
    bugs = [f.event().get("Media-Bug-Function") for f in c.frames
            if f.is_event() and f.event().name.startswith("MEDIA_BUG")]  # fmt: skip
    assert bugs == ["avmd", "avmd"]


def _rows(seq: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """`show registrations as json` bodies reduced to whether they have rows."""
    return [
        ("api", "rows" if '"rows"' in x[1] else "none") if x[0] == "api" and x[1][:1] == "{" else x
        for x in seq
    ]


def test_sofia_register(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from calldesk.sim import PhoneBehavior

    sw = SimSwitch(password="ClueCon-test", time_scale=200.0, recordings_dir=tmp_path).start()
    sw.registry.core_lag = 200.0  # 1 s wall at this scale: room for the first query on a busy box
    try:
        c = _client(sw)
        c.command("event plain CUSTOM sofia::register sofia::unregister sofia::expire "
                  "sofia::register_attempt sofia::register_failure\n\n")  # fmt: skip
        c.command("event plain CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_ANSWER CHANNEL_PARK "
                  "CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB\n\n")  # fmt: skip
        sw.register_phone("1000", PhoneBehavior.answer(after=0.5), expires=120)
        reg = c.wait_event("CUSTOM", Event_Subclass="sofia::register").event()
        contact = c.command("api sofia_contact 1000@127.0.0.1\n\n")
        assert contact.body == b"sofia/internal/sip:1000@127.0.0.1:5099"
        assert c.command("api show registrations as json\n\n").body == b'{"row_count": 0}\n'
        sw.clock.sleep(sw.registry.core_lag)
        rows = json.loads(c.command("api show registrations as json\n\n").body)["rows"]
        assert [(r["reg_user"], r["url"], r["token"]) for r in rows] == [
            ("1000", "sofia/internal/sip:1000@127.0.0.1:5099", reg.get("call-id"))
        ]
        assert int(rows[0]["expires"]) == int(reg.get("Event-Date-Timestamp")) // 10**6 + 180
        r = c.command("api originate {origination_caller_id_number=queue,calldesk_role=agent}"
                      "user/1000 &park()\n\n", timeout=10)  # fmt: skip
        agent = r.text.split()[1]
        c.wait_event("CHANNEL_PARK", Unique_ID=agent)
        assert c.command(f"api uuid_kill {agent} NORMAL_CLEARING\n\n").text == "+OK\n"
        c.wait_event("CHANNEL_HANGUP_COMPLETE", Unique_ID=agent)
        assert sw.unregister_phone("1000")
        c.wait_event("CUSTOM", Event_Subclass="sofia::unregister")
        assert (
            c.command("api sofia_contact 1000@127.0.0.1\n\n").body == b"error/user_not_registered"
        )
        assert c.command("api originate user/1000 &park()\n\n").text == "-ERR USER_NOT_REGISTERED\n"
        n = len(c.frames)
        sw.register_phone("1000", PhoneBehavior.answer(after=0.5), expires=10, refresh=False)
        reg2 = c.wait_event("CUSTOM", start=n, Event_Subclass="sofia::register").event()
        exp = c.wait_event("CUSTOM", Event_Subclass="sofia::expire", timeout=10).event()
        at = int(reg2.get("Event-Date-Timestamp")) / 1e6
        assert int(exp.get("expires")) == int(at + 10 + 60)  # an epoch time, not seconds
        waited = int(exp.get("Event-Date-Timestamp")) / 1e6 - at
        assert 70 <= waited <= 100  # Expires + 60 s, found by a 30 s scan
        assert c.command("api originate user/1000 &park()\n\n").text == "-ERR USER_NOT_REGISTERED\n"
        c.command("exit\n\n")
        c.wait_closed()
        want = trace_frames("sofia-register")
        got = [f for f in c.frames if not (f.content_type == "api/response"
                                          and f.text.startswith("-ERR USER_NOT"))]  # fmt: skip
        assert _rows(describe(got)) == _rows(describe(want))
        for name in ("sofia::register_attempt", "sofia::register", "sofia::unregister",
                     "sofia::expire"):  # fmt: skip
            mine = [f.event() for f in got if f.is_event() and f.event().subclass == name][0]
            theirs = [f.event() for f in want if f.is_event() and f.event().subclass == name][0]
            assert list(mine.headers.items())[0][0] == "Event-Subclass"
            assert [n for n, _ in mine.headers.items()][13:] == [
                n for n, _ in theirs.headers.items()
            ][13:], name
            assert mine.get("Event-Calling-Function") == theirs.get("Event-Calling-Function")
    finally:
        sw.stop()

"""Issue 10: what the real switch does with a configuration that lacks something, replayed on
the sim (traces no-rtp-bridge, say-languages, originate-failures), and its exact reply texts.

Delays are read from the sim's own event stamps (Event-Date-Timestamp, simulated time): the
no-timer delay is a modelled 5 s, so the check is on the sim's clock, not on the test's.
"""

from __future__ import annotations

import pytest
from tests.protocol.sim_client import RawClient
from tests.traces import load_trace

from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.sim.site import READ_STALL, SiteConf

SCALE = 10.0
AGENT = "sofia/external/agent@127.0.0.1:5120"


def _switch(tmp_path, scale: float = SCALE, **site) -> SimSwitch:  # type: ignore[no-untyped-def]
    sw = SimSwitch(password="ClueCon-test", time_scale=scale, recordings_dir=tmp_path,
                   site=SiteConf(**site))  # fmt: skip
    return sw.start()


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = _switch(tmp_path)
    yield s
    s.stop()


def _client(sw: SimSwitch, events: str = "ALL") -> RawClient:
    c = RawClient.connect(sw.port)
    c.wait_for(lambda f: f.content_type == "auth/request")
    assert c.command(f"auth {sw.password}\n\n").reply_text == "+OK accepted"
    c.command(f"event plain {events}\n\n")
    return c


def _stamp(frame) -> float:  # type: ignore[no-untyped-def]
    return int(frame.event().get("Event-Date-Timestamp")) / 1e6


def _round(sw: SimSwitch, c: RawClient, did: str, agent_vars: str) -> dict[str, float]:
    """One no-rtp-bridge round: parked caller, parked SIP agent, DTMF, bgapi uuid_bridge,
    DTMF while bridged, uuid_kill. Returns each delay in simulated seconds."""
    sw.add_phone(AGENT, PhoneBehavior.answer(after=0.5))  # the SIPp UAS "phone"
    caller = sw.inject_call(did)
    c.wait_event("CHANNEL_PARK", Unique_ID=caller)
    r = c.command(f"api originate {{{agent_vars}origination_caller_id_number=queue,"
                  f"calldesk_role=agent}}{AGENT} &park()\n\n", timeout=10)  # fmt: skip
    agent = r.text.split()[1]
    c.wait_event("CHANNEL_PARK", Unique_ID=agent)
    out: dict[str, float] = {}
    t0 = sw.clock.epoch()
    c.command(f"api uuid_recv_dtmf {caller} 5\n\n")
    out["parked_dtmf"] = _stamp(c.wait_event("DTMF", timeout=10, Unique_ID=caller)) - t0
    n = len(c.frames)
    t0 = sw.clock.epoch()
    job = c.command(f"bgapi uuid_bridge {caller} {agent}\n\n").headers["Job-UUID"]
    bg = c.wait_event("BACKGROUND_JOB", start=n, Job_UUID=job)
    assert bg.event().body == f"+OK {agent}\n"
    bridge = c.wait_event("CHANNEL_BRIDGE", timeout=10, start=n, Unique_ID=caller)
    out["bridge_job"] = _stamp(bg) - t0
    out["channel_bridge"] = _stamp(bridge) - t0
    names = [f.event().name for f in c.frames[n:] if f.content_type == "text/event-plain"]
    assert names.index("BACKGROUND_JOB") < names.index("CHANNEL_UNPARK")  # +OK first, always
    n = len(c.frames)
    t0 = sw.clock.epoch()
    c.command(f"api uuid_recv_dtmf {caller} 7\n\n")
    out["bridged_dtmf"] = _stamp(c.wait_event("DTMF", timeout=10, start=n, Unique_ID=caller)) - t0
    t0 = sw.clock.epoch()
    assert c.command(f"api uuid_kill {caller} NORMAL_CLEARING\n\n").text == "+OK\n"
    gone = c.wait_event("CHANNEL_DESTROY", timeout=10, start=n, Unique_ID=agent)
    out["destroy"] = _stamp(gone) - t0
    return out


def test_no_rtp_timer_delays_dtmf_and_bridge_but_not_the_reply_or_the_kill(sw) -> None:
    """no-rtp-bridge round 1: rtp_timer_name=none on both legs (5557000 and the originate)."""
    assert load_trace("no-rtp-bridge").header["scenario"] == "no-rtp-bridge"
    c = _client(sw)
    d = _round(sw, c, "5557000", "rtp_timer_name=none,")
    for key in ("parked_dtmf", "channel_bridge", "bridged_dtmf"):
        assert d[key] >= READ_STALL - 0.01, (key, d)  # the blocked read's 5 s poll
    assert d["bridge_job"] < 1.0 and d["destroy"] < 1.0, d  # +OK at once; uuid_kill breaks it


def test_a_soft_timer_leg_is_prompt(sw) -> None:
    """no-rtp-bridge round 2: the vanilla profile's rtp-timer-name=soft."""
    c = _client(sw)
    d = _round(sw, c, "5551000", "")
    assert all(v < READ_STALL for v in d.values()), d


def test_the_profile_setting_decides_when_the_leg_sets_nothing(tmp_path) -> None:
    sw = _switch(tmp_path, rtp_timers={"external": "", "internal": "soft"})
    try:
        c = _client(sw)
        d = _round(sw, c, "5551000", "")  # caller on `external`, which has no timer
        assert d["channel_bridge"] >= READ_STALL - 0.01 and d["parked_dtmf"] >= READ_STALL - 0.01
    finally:
        sw.stop()


def _say(sw: SimSwitch, c: RawClient, caller: str, app_uuid: str) -> list:  # type: ignore[type-arg]
    n = len(c.frames)
    c.command(f"sendmsg {caller}\ncall-command: execute\nexecute-app-name: say\n"
              f"execute-app-arg: en number pronounced 42\nEvent-UUID: {app_uuid}\n\n")  # fmt: skip
    c.wait_event("CHANNEL_EXECUTE_COMPLETE", timeout=10, start=n, Application_UUID=app_uuid)
    return [f.event() for f in c.frames[n:] if f.content_type == "text/event-plain"]


def test_say_without_a_languages_section_fails_at_once_and_plays_nothing(tmp_path) -> None:
    """say-languages: EXECUTE and EXECUTE_COMPLETE in the same instant, `_none_`, no PLAYBACK;
    only the log says why."""
    sw = _switch(tmp_path, languages=None)
    try:
        c = _client(sw)
        c.command("log 3\n\n")
        caller = sw.inject_call("5551000")
        c.wait_event("CHANNEL_PARK", Unique_ID=caller)
        assert c.command("api reloadxml\n\n").text == "+OK [Success]\n"
        evs = _say(sw, c, caller, "be33a80c-dd8b-4209-84eb-c5fe9cb2302d")
        ex = [e for e in evs if e.name in ("CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE")
              and e.get("Application") == "say"]  # fmt: skip
        assert [e.name for e in ex] == ["CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE"]
        assert ex[0].get("Event-Date-Timestamp") == ex[1].get("Event-Date-Timestamp")
        assert ex[1].get("Application-Response") == "_none_"
        assert not [e for e in evs if e.name.startswith("PLAYBACK")]
        logs = [f.body for f in c.frames if f.content_type == "log/data"]
        assert any(b"Open of languages and phrases failed." in b for b in logs)
    finally:
        sw.stop()


def test_say_with_the_language_plays_mod_say_en_files(sw) -> None:
    c = _client(sw)
    caller = sw.inject_call("5551000")
    c.wait_event("CHANNEL_PARK", Unique_ID=caller)
    evs = _say(sw, c, caller, "e6b7d466-772d-4de9-b126-16e8fc7f10f7")
    start = next(e for e in evs if e.name == "PLAYBACK_START")
    stop = next(e for e in evs if e.name == "PLAYBACK_STOP")
    assert start.get("Playback-File-Path") == "file_string://digits/40.wav!digits/2.wav"
    assert stop.get("Playback-Status") == "done"
    lasted = (int(stop.get("Event-Date-Timestamp")) - int(start.get("Event-Date-Timestamp"))) / 1e6
    assert lasted >= 0.8  # the trace's 0.86 s: two digit files
    done = next(e for e in evs if e.name == "CHANNEL_EXECUTE_COMPLETE")
    assert done.get("Application-Response") == "_none_"


def test_the_session_rate_throttle_replies_and_admits_n_minus_one(tmp_path) -> None:
    """originate-failures: `sps 1` admits nothing, `sps 3` one loopback originate (2 sessions)."""
    sw = _switch(tmp_path, scale=0.05)  # one simulated second lasts 20 s: the whole test fits
    try:
        c = _client(sw, "CHANNEL_CREATE BACKGROUND_JOB")
        orig = "originate {origination_caller_id_number=queue}loopback/5552000/public &park()"
        assert c.command("api fsctl sps 1\n\n").text == "+OK sessions per second: 1\n"
        for _ in range(2):
            assert c.command(f"api {orig}\n\n").text == "-ERR DESTINATION_OUT_OF_ORDER\n"
        job = c.command(f"bgapi {orig}\n\n").headers["Job-UUID"]
        bg = c.wait_event("BACKGROUND_JOB", Job_UUID=job)
        assert bg.event().body == "-ERR DESTINATION_OUT_OF_ORDER\n"
        assert not [e for e in c.events() if e.name == "CHANNEL_CREATE"]  # no channel events
        assert c.command("api fsctl sps 3\n\n").text == "+OK sessions per second: 3\n"
        assert c.command(f"api {orig}\n\n", timeout=20).text.startswith("+OK ")
        for _ in range(2):
            assert c.command(f"api {orig}\n\n").text == "-ERR DESTINATION_OUT_OF_ORDER\n"
        assert c.command("api fsctl sps\n\n").text == "+OK sessions per second: 3\n"
    finally:
        sw.stop()


def test_reply_texts_of_uuid_bridge_and_user_originate(sw) -> None:
    """mod_commands.c uuid_bridge_function: `-ERR Invalid uuid` (no uuid in it);
    originate-failures: a user not in the directory or an unknown domain is SUBSCRIBER_ABSENT,
    a known user without a registration USER_NOT_REGISTERED."""
    sw.add_phone("user/1001", PhoneBehavior.unregistered())
    c = _client(sw)
    assert c.command("api uuid_bridge a b\n\n").text == "-ERR Invalid uuid\n"
    assert c.command("api uuid_bridge a\n\n").text == "-USAGE: <uuid> <other_uuid>\n"
    cases = {"user/1001": "USER_NOT_REGISTERED", "user/1099": "SUBSCRIBER_ABSENT",
             "user/1001@calldesk.invalid": "SUBSCRIBER_ABSENT"}  # fmt: skip
    for target, cause in cases.items():
        assert c.command(f"api originate {target} &park()\n\n").text == f"-ERR {cause}\n"
        job = c.command(f"bgapi originate {target} &park()\n\n").headers["Job-UUID"]
        assert c.wait_event("BACKGROUND_JOB", Job_UUID=job).event().body == f"-ERR {cause}\n"
    assert not [e for e in c.events() if e.name == "CHANNEL_CREATE"]


@pytest.mark.parametrize("order", ["hangup_first", "unbridge_first"])
def test_both_orders_when_the_agent_hangs_up_first(tmp_path, order: str) -> None:
    sw = _switch(tmp_path, agent_hangup_order=order)
    try:
        c = _client(sw)
        caller = sw.inject_call("5551000")
        c.wait_event("CHANNEL_PARK", Unique_ID=caller)
        agent = c.command("api originate loopback/5552000/public &park()\n\n").text.split()[1]
        c.wait_event("CHANNEL_PARK", Unique_ID=agent)
        c.command(f"api uuid_bridge {caller} {agent}\n\n")
        c.wait_event("CHANNEL_BRIDGE", Unique_ID=caller)
        n = len(c.frames)
        assert sw.hangup(agent)
        c.wait_event("CHANNEL_HANGUP_COMPLETE", start=n, Unique_ID=caller)  # out of dialplan
        seq = [(e.name, e.uuid) for e in (f.event() for f in c.frames[n:]
               if f.content_type == "text/event-plain")]  # fmt: skip
        hang, unbridge = (
            seq.index(("CHANNEL_HANGUP", agent)),
            seq.index(("CHANNEL_UNBRIDGE", caller)),
        )
        assert (hang < unbridge) == (order == "hangup_first"), seq
        assert seq.index(("CHANNEL_HANGUP_COMPLETE", agent)) < seq.index(("CHANNEL_HANGUP", caller))
        assert [x for x in seq if x[0] == "CHANNEL_UNBRIDGE"] == [("CHANNEL_UNBRIDGE", caller)]
    finally:
        sw.stop()


def test_alternate_takes_each_order_in_turn() -> None:
    site = SiteConf(agent_hangup_order="alternate")
    assert [site.next_agent_hangup_order() for _ in range(4)] == [
        "hangup_first", "unbridge_first", "hangup_first", "unbridge_first"]  # fmt: skip
    with pytest.raises(ValueError):
        SiteConf(agent_hangup_order="sometimes")

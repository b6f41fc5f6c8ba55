"""Integration over real TCP: originate to each simulated phone behaviour, record WAV length."""

from __future__ import annotations

import wave

import pytest
from tests.protocol.sim_client import RawClient

from calldesk.sim import PhoneBehavior, SimSwitch


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="s3cret", time_scale=50.0, recordings_dir=tmp_path).start()
    s.add_phone("user/1001", PhoneBehavior.answer(after=1.0))
    s.add_phone("user/1002", PhoneBehavior.no_answer())
    s.add_phone("user/1003", PhoneBehavior.busy())
    s.add_phone("user/1004", PhoneBehavior.unregistered())
    s.add_phone("user/1005", PhoneBehavior.fail())
    s.add_phone("user/1006", PhoneBehavior.machine(after=1.0, beep_after=2.0))
    yield s
    s.stop()


def _client(sw: SimSwitch) -> RawClient:
    c = RawClient.connect(sw.port)
    assert c.command("auth s3cret\n\n").reply_text == "+OK accepted"
    c.command("event plain ALL\n\n")
    return c


@pytest.mark.parametrize(
    ("target", "reply"),
    [
        ("user/1002", "-ERR NO_ANSWER\n"),
        ("user/1003", "-ERR USER_BUSY\n"),
        ("user/1004", "-ERR USER_NOT_REGISTERED\n"),
        ("user/1005", "-ERR NORMAL_TEMPORARY_FAILURE\n"),
        # not in the directory: SUBSCRIBER_ABSENT (originate-failures trace), not the
        # USER_NOT_REGISTERED of a known user without a registration (user/1004)
        ("user/9999", "-ERR SUBSCRIBER_ABSENT\n"),
    ],
)
def test_originate_failures(sw: SimSwitch, target: str, reply: str) -> None:
    c = _client(sw)
    r = c.command(f"api originate {{originate_timeout=5}}{target} &park()\n\n", timeout=10)
    assert r.text == reply


def test_originate_answering_phone_parks(sw: SimSwitch) -> None:
    c = _client(sw)
    r = c.command("api originate {calldesk_role=agent}user/1001 &park()\n\n")
    uuid = r.text.split()[1]
    park = c.wait_event("CHANNEL_PARK", Unique_ID=uuid).event()
    assert park.get("variable_calldesk_role") == "agent"
    names = [e.name for e in c.events() if e.uuid == uuid]
    assert (
        names.index("CHANNEL_CREATE")
        < names.index("CHANNEL_PROGRESS")
        < names.index("CHANNEL_ANSWER")
    )
    assert c.command(f"api uuid_kill {uuid}\n\n").text == "+OK\n"
    c.wait_event("CHANNEL_DESTROY", Unique_ID=uuid)


def test_answering_machine_beep_with_avmd(sw: SimSwitch) -> None:
    c = _client(sw)
    r = c.command("api originate user/1006 avmd_start,park inline\n\n")
    uuid = r.text.split()[1]
    beep = c.wait_event("CUSTOM", timeout=5).event()
    assert beep.get("Event-Subclass") in ("avmd::start", "avmd::beep")
    c.wait_for(lambda f: f.is_event() and f.event().subclass == "avmd::beep")
    c.command(f"api uuid_kill {uuid}\n\n")


def test_uuid_record_wav_length_and_crash(sw: SimSwitch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    c = _client(sw)
    u = sw.inject_call("5551000")
    c.wait_event("CHANNEL_PARK", Unique_ID=u)
    path = tmp_path / "r.wav"
    c.command(f"api uuid_record {u} start {path}\n\n")
    sw.clock.sleep(3.0)
    c.command(f"api uuid_record {u} stop {path}\n\n")
    stop = c.wait_event("RECORD_STOP").event()
    with wave.open(str(path)) as w:
        assert w.getnframes() * 1000 // 8000 == int(stop.get("variable_record_ms"))
        assert w.getnframes() >= 3 * 8000
    crash_path = tmp_path / "crash.wav"
    c.command(f"api uuid_record {u} start {crash_path}\n\n")
    sw.clock.sleep(1.0)
    sw.crash()
    data = crash_path.read_bytes()
    assert data[40:44] == b"\x00\x00\x00\x00" and len(data) > 44


def test_inject_call_with_dtmf_script_and_control_commands(sw: SimSwitch) -> None:
    c = _client(sw)
    r = c.command("api sim_inject 5551000 +15550199 Someone\n\n")
    u = r.text.split()[1]
    c.wait_event("CHANNEL_PARK", Unique_ID=u)
    assert c.command(f"api sim_dtmf {u} 9\n\n").text == "+OK\n"
    c.wait_event("DTMF", Unique_ID=u, DTMF_Digit="9")
    assert u in c.command("api sim_legs\n\n").text
    assert c.command(f"api sim_hangup {u}\n\n").text == "+OK\n"
    hc = c.wait_event("CHANNEL_HANGUP_COMPLETE", Unique_ID=u).event()
    assert hc.get("variable_sip_hangup_disposition") == "recv_bye"


def test_malformed_input_keeps_serving(sw: SimSwitch) -> None:
    c = _client(sw)
    c.send("\x00\xff garbage: \n\n")
    assert c.command("sendmsg\n\n").reply_text.startswith("-ERR")
    assert c.command("api uuid_record\n\n").text.startswith("-USAGE")
    assert c.command("api status\n\n").text.startswith("UP")

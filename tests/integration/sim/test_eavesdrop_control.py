"""Changing a supervisor's eavesdrop mode: uuid_recv_dtmf, uuid_send_dtmf via the loopback twin,
and `sendevent` with an `eavesdrop-command` header (no DTMF at all), over TCP."""

from __future__ import annotations

import pytest
from tests.eventually import eventually
from tests.protocol.sim_client import RawClient

from calldesk.sim import SimSwitch
from calldesk.sim.api import run_api

SUP = "{origination_caller_id_number=supervisor%s}loopback/5552000/public &eavesdrop(%s)"


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="pw", time_scale=50.0, recordings_dir=tmp_path).start()
    yield s
    s.stop()


def _setup(sw: SimSwitch, extra: str = "") -> tuple[RawClient, str]:
    c = RawClient.connect(sw.port)
    c.command("auth pw\n\n")
    c.command("event plain DTMF CUSTOM calldesk::test\n\n")
    caller = sw.inject_call("5551000")
    agent = c.command("api originate loopback/5552000/public &park()\n\n").text.split()[1]
    for uuid in (caller, agent):
        eventually(lambda u=uuid: _fired(sw, "CHANNEL_PARK", u), f"{uuid} to park")
    c.command(f"api uuid_bridge {caller} {agent}\n\n")
    eventually(lambda: sw.legs[caller].peer is sw.legs[agent], "the caller and agent to bridge")
    sup = c.command(f"api originate {SUP % (extra, caller)}\n\n").text.split()[1]
    eventually(lambda: sw.eavesdrop_mode(sup), "the supervisor's eavesdrop to start")
    assert sw.eavesdrop_mode(sup)["mode"] == "listen"
    return c, sup


def _fired(sw: SimSwitch, name: str, uuid: str, digit: str | None = None) -> bool:
    return any(e.name == name and e.uuid == uuid and (digit is None or e.get("DTMF-Digit") == digit)
               for e in sw.history)  # fmt: skip


def _mode(sw: SimSwitch, sup: str, want: str) -> None:
    eventually(lambda: (sw.eavesdrop_mode(sup) or {}).get("mode") == want,
               f"eavesdrop mode {want!r}", detail=lambda: sw.eavesdrop_mode(sup))  # fmt: skip
    assert sw.eavesdrop_mode(sup)["mode"] == want


def test_uuid_send_dtmf_on_the_twin_reaches_the_eavesdrop(sw: SimSwitch) -> None:
    c, sup = _setup(sw)
    twin = sw.legs[sup].twin.uuid
    assert c.command(f"api uuid_send_dtmf {twin} 2\n\n").text == "+OK Success\n"
    _mode(sw, sup, "target")
    c.wait_event("DTMF", Unique_ID=sup, DTMF_Digit="2")
    assert c.command(f"api uuid_recv_dtmf {sup} 3\n\n").text.startswith("+OK")
    _mode(sw, sup, "both")


def test_sendevent_eavesdrop_command_changes_mode_without_dtmf(sw: SimSwitch) -> None:
    c, sup = _setup(sw, ",eavesdrop_enable_dtmf=false")
    for chars, want in (("2", "target"), ("1", "peer"), ("3", "both"), ("0", "listen")):
        r = c.command(f"sendevent CUSTOM\nEvent-Subclass: calldesk::test\nunique-id: {sup}\n"
                      f"eavesdrop-command: {chars}\n\n")  # fmt: skip
        assert r.reply_text.startswith("+OK ") and len(r.reply_text) == 4 + 36
        _mode(sw, sup, want)
    # queued to the leg, so neither fired to listeners nor seen as DTMF
    assert not [e for e in c.events() if e.name in ("DTMF", "CUSTOM")]
    # with DTMF disabled, a digit does not change the mode
    c.command(f"api uuid_recv_dtmf {sup} 2\n\n")
    c.wait_event("DTMF", Unique_ID=sup, DTMF_Digit="2", timeout=10)  # the eavesdrop took it
    sw.clock.sleep(0.3)
    assert sw.eavesdrop_mode(sup)["mode"] == "listen"
    # `*` leaves the eavesdrop
    c.command(f"sendevent CUSTOM\nunique-id: {sup}\neavesdrop-command: *\n\n")
    eventually(lambda: sw.eavesdrop_mode(sup) is None, "the supervisor to leave the eavesdrop")
    assert sw.eavesdrop_mode(sup) is None


def test_sendevent_without_a_leg_is_fired(sw: SimSwitch) -> None:
    c, _ = _setup(sw)
    r = c.command("sendevent CUSTOM\nEvent-Subclass: calldesk::test\nX-Note: hello\n\n")
    ev = c.wait_event("CUSTOM").event()
    assert (ev.subclass, ev.get("X-Note")) == ("calldesk::test", "hello")
    assert ev.get("Event-UUID") == r.reply_text.split()[1]


def test_eavesdrop_command_queued_during_a_digit_frame_is_kept(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import gevent

    sw = SimSwitch(password="pw", time_scale=1.0, recordings_dir=tmp_path)  # a 20 ms frame is 20 ms
    try:
        caller = sw.inject_call("5551000")
        sup = run_api(sw, "originate", f"loopback/5552000/public &eavesdrop({caller})").split()[1]
        eventually(lambda: sw.eavesdrop_mode(sup), "the eavesdrop to start")
        leg = sw.legs[sup]
        sw.send_dtmf(sup, "2")
        gevent.sleep(0.005)  # the eavesdrop loop is inside the digit's 20 ms frame now
        leg.event_queue.append({"eavesdrop-command": "3"})
        leg.poke()
        # the digit's DTMF event is fired as its frame ends, and its mode applied at once: after
        # it, only the queued "3" can make the mode "both"
        eventually(
            lambda: _fired(sw, "DTMF", sup, "2") and sw.eavesdrop_mode(sup)["mode"] == "both",
            "the digit 2, then the queued 3 (mode both)",
            detail=lambda: sw.eavesdrop_mode(sup),
        )
        assert sw.eavesdrop_mode(sup)["mode"] == "both"  # "2", then the queued "3"
    finally:
        sw.stop()

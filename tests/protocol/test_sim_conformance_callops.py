"""Conformance of the call-control operations: after each command (or phone key), the sim fires
the events the 2026-12-03 traces show, per leg and in order, and replies with the same text."""

from __future__ import annotations

import pytest
from tests.protocol.callops_conformance import (
    NOISE,
    bridged,
    client,
    legs_after,
    trace_segment,
)

from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.sim.phones import press_hold, press_transfer

SCALE = 20.0


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="ClueCon-test", time_scale=SCALE, recordings_dir=tmp_path).start()
    s.dialplan.add("5556000", [("set", "calldesk_xfer_target=5556000"), ("answer", ""),
                               ("park", "")])  # fmt: skip
    yield s
    s.stop()


def _after(c, n: int):  # type: ignore[no-untyped-def]
    return legs_after(c.frames[n:])


def test_uuid_hold_unhold_toggle(sw: SimSwitch) -> None:
    c = client(sw)
    caller, agent = bridged(sw, c)
    n = len(c.frames)
    assert c.command(f"api uuid_hold {agent}\n\n").text == "+OK Success\n"
    c.wait_event("PLAYBACK_START", start=n)
    assert _after(c, n) == legs_after(trace_segment("hold-unhold", "api uuid_hold 61d6"))
    n = len(c.frames)
    assert c.command(f"api uuid_hold off {agent}\n\n").text == "+OK Success\n"
    c.wait_event("CHANNEL_UNHOLD", start=n)
    assert _after(c, n) == legs_after(trace_segment("hold-unhold", "api uuid_hold off"))
    n = len(c.frames)
    assert c.command(f"api uuid_hold off {agent}\n\n").text == "-ERR Operation failed\n"
    assert c.command(f"api uuid_hold toggle {agent}\n\n").text == "+OK Success\n"
    c.wait_event("PLAYBACK_START", start=n)
    assert _after(c, n) == legs_after(trace_segment("hold-unhold", "api uuid_hold toggle"))
    n = len(c.frames)
    assert c.command(f"api uuid_hold toggle {agent}\n\n").text == "+OK Success\n"
    c.wait_event("CHANNEL_UNHOLD", start=n)
    want = trace_segment("hold-unhold", "api uuid_hold toggle", until="api uuid_hold 0000")
    assert _after(c, n) == legs_after(
        want[len(trace_segment("hold-unhold", "api uuid_hold toggle")) :]
    )
    bogus = "00000000-0000-0000-0000-000000000000"
    assert c.command(f"api uuid_hold {bogus}\n\n").text == "+OK Success\n"


def test_phone_hold_reinvite(sw: SimSwitch) -> None:
    c = client(sw)
    caller, agent = bridged(sw, c)
    n = len(c.frames)
    press_hold(sw, agent, True)
    c.wait_event("CUSTOM", start=n)
    press_hold(sw, agent, False)
    c.wait_event("CHANNEL_CALLSTATE", start=n, Channel_Call_State="ACTIVE")
    sw.clock.sleep(0.2)
    want = trace_segment("phone-hold-reinvite", "api uuid_bridge", until="api uuid_kill")
    got = _after(c, n)
    # the trace's segment starts at the bridge: keep its events from the phone's hold on
    exp = {role: seq[[i for i, e in enumerate(seq) if e[0] in ("CHANNEL_CALLSTATE",
                                                                 "CHANNEL_EXECUTE")
                      and e[1] in ("HELD", "playback")][0]:]
           for role, seq in legs_after(want).items()}  # fmt: skip
    assert got == exp
    hold_ev = [e for e in c.events()[0:] if e.name == "CHANNEL_HOLD"][-1]
    assert hold_ev.get("variable_remote_audio_media_flow") == "sendonly"
    assert hold_ev.get("Event-Calling-Function") == "switch_channel_mark_hold"


def _from(seq: list, first: str) -> list:  # type: ignore[type-arg]
    """A leg's events from its first `first` event on."""
    return seq[[e[0] for e in seq].index(first) :]


def test_blind_transfer_out_of_a_bridge(sw: SimSwitch) -> None:
    c = client(sw)
    caller, agent = bridged(sw, c)
    n = len(c.frames)
    assert c.command(f"api uuid_transfer {caller} 5556000 XML public\n\n").text == "+OK\n"
    c.wait_event("CHANNEL_PARK", start=n, Unique_ID=caller)
    assert _after(c, n) == legs_after(trace_segment("blind-transfer", "api uuid_transfer"))
    assert c.command(f"api uuid_exists {agent}\n\n").text == "false"
    assert sw.legs[caller].variables["transfer_history"].endswith(":bl_xfer:5556000/public/XML")


def test_phone_refer(sw: SimSwitch) -> None:
    c = client(sw)
    caller, agent = bridged(sw, c)
    n = len(c.frames)
    assert press_transfer(sw, agent, "5556000")
    c.wait_event("CHANNEL_PARK", start=n, Unique_ID=caller)
    got = _after(c, n)
    want = legs_after(trace_segment("phone-refer", "api uuid_bridge", until="api uuid_exists"))
    # the trace's segment starts at the bridge: compare from the REFER's first event per leg
    assert got == {"sip0": _from(want["sip0"], "CHANNEL_HANGUP"),
                   "sip1": _from(want["sip1"], "CHANNEL_UNBRIDGE")}  # fmt: skip
    hangup = next(e for e in c.events() if e.name == "CHANNEL_HANGUP" and e.uuid == agent)
    assert hangup.get("variable_transfer_to") == f"blind:{caller}"
    assert sw.legs[caller].variables["sip_refer_to"].startswith("<sip:5556000@")


def test_three_way_conference(sw: SimSwitch) -> None:
    c = client(sw)
    caller, agent = bridged(sw, c)
    sw.add_phone("user/third", PhoneBehavior.answer(after=0.5))
    n = len(c.frames)
    room = "conference:calldesk-3way@default inline"
    assert c.command(f"api uuid_transfer {caller} -both {room}\n\n").text == "+OK\n"
    c.wait_event("CHANNEL_EXECUTE", start=n, Unique_ID=caller, Application="conference")
    out = c.command("api originate {origination_caller_id_number=supervisor}"
                    "sofia/external/third@127.0.0.1:5117 &conference(calldesk-3way@default)\n\n")  # fmt: skip
    third = out.text.split()[1]
    sw.clock.sleep(0.8)
    listing = c.command("api conference calldesk-3way list\n\n").text.splitlines()
    assert [x.split(";")[0] for x in listing] == ["3", "2", "1"]
    assert [x.split(";")[2] for x in listing] == [third, caller, agent]
    assert c.command("api conference list\n\n").text.startswith(
        "+OK Conference calldesk-3way (3 members rate: 8000 flags: "
    )
    hup = c.command("api conference calldesk-3way hup all\n\n").text
    assert hup == "+OK hup 3\n+OK hup 2\n+OK hup 1\n"
    c.wait_event("CHANNEL_DESTROY", start=n, Unique_ID=third)
    sw.clock.sleep(0.3)
    noise = NOISE | {"CHANNEL_STATE"}  # not subscribed in that trace
    want = trace_segment("three-way", "api uuid_transfer",
                         until="api conference calldesk-3way list\n\n")  # fmt: skip
    want += trace_segment("three-way", "api conference calldesk-3way hup")
    assert legs_after(c.frames[n:], noise) == legs_after(want, noise)
    gone = c.command("api conference calldesk-3way list\n\n").text
    assert gone == "-ERR Conference calldesk-3way not found\n"

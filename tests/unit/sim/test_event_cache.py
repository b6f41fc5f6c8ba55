"""The cached leg header block must always encode exactly what a fresh encoding gives."""

from __future__ import annotations

import pytest

from calldesk.sim import SimSwitch, wire
from calldesk.sim.events import SimEvent


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="pw", time_scale=50.0, recordings_dir=tmp_path)
    yield s
    s.stop()


def _fire(sw: SimSwitch, uuid: str, name: str) -> SimEvent:
    return sw.fire(sw.legs[uuid], name, post=[("X-Test", "a b:c")])


@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_cached_frame_equals_fresh_encoding(sw: SimSwitch, fmt: str) -> None:
    u = sw.inject_call("5551000")
    for name in ("DTMF", "CHANNEL_EXECUTE", "CHANNEL_BRIDGE"):
        ev = _fire(sw, u, name)
        assert ev.frame(fmt) == wire.event_frame(ev.headers, ev.body, fmt)


def test_cache_sees_variable_state_and_profile_changes(sw: SimSwitch) -> None:
    u = sw.inject_call("5551000")
    leg = sw.legs[u]
    first = _fire(sw, u, "CHANNEL_EXECUTE")
    assert _fire(sw, u, "CHANNEL_EXECUTE").frame("plain").count(b"variable_calldesk_x") == 0
    leg.set_var("calldesk_x", "1")
    assert b"variable_calldesk_x: 1\n" in _fire(sw, u, "CHANNEL_EXECUTE").frame("plain")
    leg.variables.pop("calldesk_x")
    assert b"variable_calldesk_x" not in _fire(sw, u, "CHANNEL_EXECUTE").frame("plain")
    leg.state = "CS_HIBERNATE"
    leg.profile["Caller-ID-Name"] = "New Name"
    leg.times["Transfer"] = 42
    ev = _fire(sw, u, "CHANNEL_EXECUTE")
    assert (ev.get("Channel-State"), ev.get("Caller-Caller-ID-Name")) == (
        "CS_HIBERNATE",
        "New Name",
    )
    assert ev.get("Caller-Channel-Transfer-Time") == "42"
    assert first.get("Channel-State") != "CS_HIBERNATE"


def test_other_leg_headers_follow_the_peer(sw: SimSwitch) -> None:
    a, b = sw.inject_call("5551000"), sw.inject_call("5551000", caller_id="+15550102")
    la, lb = sw.legs[a], sw.legs[b]
    assert _fire(sw, a, "CHANNEL_BRIDGE").get("Other-Leg-Unique-ID") is None
    la.peer = lb
    assert _fire(sw, a, "CHANNEL_BRIDGE").get("Other-Leg-Unique-ID") == b
    lb.profile["Caller-ID-Number"] = "+15559999"  # the peer changes, not the leg
    assert _fire(sw, a, "CHANNEL_BRIDGE").get("Other-Leg-Caller-ID-Number") == "+15559999"


def _fresh(ev: SimEvent, fmt: str = "plain") -> bytes:
    """The frame encoded from the event's header pairs, bypassing every cached run."""
    return wire.event_frame(ev.headers, ev.body, fmt)


def test_a_variable_set_between_two_events_shows_in_the_second(sw: SimSwitch) -> None:
    u = sw.inject_call("5551000")
    leg = sw.legs[u]
    first = _fire(sw, u, "CHANNEL_EXECUTE")
    leg.set_var("calldesk_note", "a&b c")
    second = _fire(sw, u, "CHANNEL_EXECUTE")
    assert b"variable_calldesk_note: a%26b%20c\n" in second.frame("plain")
    assert b"calldesk_note" not in first.frame("plain")
    leg.set_var("direction", "inbound")  # set again: moves last, as switch_channel does
    third = _fire(sw, u, "CHANNEL_EXECUTE")
    names = [n for n, _ in third.headers if n.startswith("variable_")]
    assert names[-2:] == ["variable_calldesk_note", "variable_direction"]
    leg.variables["calldesk_note"] = "x"  # plain assignment keeps the place
    leg.variables.update({"calldesk_other": "y"})
    del leg.variables["uuid"]
    fourth = _fire(sw, u, "CHANNEL_EXECUTE")
    assert b"variable_calldesk_note: x\n" in fourth.frame("plain")
    assert b"variable_uuid:" not in fourth.frame("plain")
    for ev in (first, second, third, fourth):
        assert ev.frame("plain") == _fresh(ev)
        assert ev.frame("json") == _fresh(ev, "json")


def test_leg_state_between_two_events_shows_in_the_second(sw: SimSwitch) -> None:
    u = sw.inject_call("5551000")
    leg = sw.legs[u]
    leg.answer_state = "answered"
    before = _fire(sw, u, "DTMF")
    leg.hungup, leg.cause = True, "USER_BUSY"  # each change alone must show
    after = _fire(sw, u, "DTMF")
    assert b"Answer-State: answered\nHangup-Cause: USER_BUSY\n" in after.frame("plain")
    assert b"Hangup-Cause" not in before.frame("plain")
    leg.media = True
    assert b"Channel-Read-Codec-Name: PCMU\n" in _fire(sw, u, "DTMF").frame("plain")
    leg.set_var("call_uuid", "other-call")
    assert b"Channel-Call-UUID: other-call\n" in _fire(sw, u, "DTMF").frame("plain")
    for ev in (before, after):
        assert ev.frame("plain") == _fresh(ev)


def test_a_peers_change_shows_in_other_leg_headers(sw: SimSwitch) -> None:
    a, b = sw.inject_call("5551000"), sw.inject_call("5551000", caller_id="+15550102")
    la, lb = sw.legs[a], sw.legs[b]
    la.peer = lb
    first = _fire(sw, a, "CHANNEL_BRIDGE")
    lb.times["Answered"] = 1234
    second = _fire(sw, a, "CHANNEL_BRIDGE")
    assert b"Other-Leg-Channel-Answered-Time: 1234\n" in second.frame("plain")
    assert b"Other-Leg-Channel-Answered-Time: 0\n" in first.frame("plain")
    la.bridge_originator = True
    assert b"Other-Type: originatee\n" in _fire(sw, a, "CHANNEL_BRIDGE").frame("plain")
    lb.times["Resurrect"] = "not a number"  # anything but an integer is URL-encoded
    third = _fire(sw, a, "CHANNEL_BRIDGE")
    assert b"Other-Leg-Channel-Resurrect-Time: not%20a%20number\n" in third.frame("plain")
    for ev in (first, second, third):
        assert ev.frame("plain") == _fresh(ev)


def test_base_headers_follow_sequence_date_and_switch_identity(sw: SimSwitch) -> None:
    u = sw.inject_call("5551000")
    one, two = _fire(sw, u, "DTMF"), _fire(sw, u, "DTMF")
    assert int(two.get("Event-Sequence") or 0) == int(one.get("Event-Sequence") or 0) + 1
    at = sw.clock.epoch() + 3600.5  # another second: dates are cached per second
    later = sw.fire(sw.legs[u], "DTMF", at=at)
    assert later.get("Event-Date-Timestamp") == str(int(at * 1_000_000))
    assert later.get("Event-Date-GMT") != one.get("Event-Date-GMT")
    sw.hostname = "renamed host"
    renamed = sw.fire_global("CUSTOM", [("X", "1")], subclass="sofia::register")
    assert b"FreeSWITCH-Hostname: renamed%20host\n" in renamed.frame("plain")
    assert b"Event-Subclass: sofia%3A%3Aregister\n" in renamed.frame("plain")
    for ev in (one, two, later, renamed):
        assert ev.frame("plain") == _fresh(ev)
        assert ev.frame("json") == _fresh(ev, "json")

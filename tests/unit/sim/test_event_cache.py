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

"""One clock reading per simulated registration action.

At a large time scale a short pause of the sim under load becomes whole simulated seconds. A
registration's `registered_at` (behind `show registrations`' `expires` and sofia::expire's
`expires`) and the Event-Date-* headers of its events must come from the same reading, or exact
comparisons between them fail now and then (tests/protocol: test_sofia_register). Here every
clock reading comes a whole simulated second after the previous one, so the two can't agree by
chance.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.eventually import eventually

from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.sim.events import SimEvent

STEP = 1.0  # simulated seconds between two clock readings


@pytest.fixture
def sw(tmp_path) -> Iterator[SimSwitch]:  # type: ignore[no-untyped-def]
    s = SimSwitch(password="pw", time_scale=200.0, recordings_dir=tmp_path)
    s.registry.core_lag = 0.0
    real_now = s.clock.now
    lag = [0.0]

    def now() -> float:  # each reading a whole simulated second after the last one
        lag[0] += STEP
        return real_now() + lag[0]

    s.clock.now = now  # type: ignore[method-assign]
    yield s
    s.stop()


def _custom(sw: SimSwitch, subclass: str) -> list[SimEvent]:
    return [e for e in sw.history if e.subclass == subclass]


def _ts(ev: SimEvent) -> int:
    return int(ev.get("Event-Date-Timestamp") or 0)


def test_register_events_are_dated_at_registered_at(sw: SimSwitch) -> None:
    sw.register_phone("1000", PhoneBehavior.answer(), expires=120)
    r = sw.registry.regs["1000"]
    (attempt,) = _custom(sw, "sofia::register_attempt")
    (reg,) = _custom(sw, "sofia::register")
    assert _ts(attempt) == _ts(reg) == int(r.registered_at * 1_000_000)
    assert reg.get("Event-Date-Local") == attempt.get("Event-Date-Local")
    assert reg.get("Event-Date-GMT") == attempt.get("Event-Date-GMT")
    (row,) = sw.registry.rows()
    # as tests/protocol's test_sofia_register checks it: Expires + 60 s from the event's date
    assert int(row["expires"]) == _ts(reg) // 10**6 + 120 + 60


def test_unregister_events_share_one_instant(sw: SimSwitch) -> None:
    sw.register_phone("1000", PhoneBehavior.answer(), expires=120)
    assert sw.unregister_phone("1000")
    attempt = _custom(sw, "sofia::register_attempt")[-1]
    (unreg,) = _custom(sw, "sofia::unregister")
    assert attempt.get("expires") == "0"
    assert _ts(attempt) == _ts(unreg)


def test_expire_is_dated_at_the_scan_and_carries_registered_at(sw: SimSwitch) -> None:
    sw.register_phone("1000", PhoneBehavior.answer(), expires=10, refresh=False)
    (reg,) = _custom(sw, "sofia::register")
    exp = eventually(lambda: _custom(sw, "sofia::expire"), "sofia::expire")[0]
    at = _ts(reg) / 1e6
    assert int(exp.get("expires") or 0) == int(at + 10 + 60)  # as test_sofia_register
    scanned = _ts(exp) / 1e6
    assert 70 <= scanned - at <= 100  # Expires + 60 s, found by a 30 s scan
    since_start = scanned - sw.started_epoch  # sofia scans every 30 s from its start
    assert min(since_start % 30, 30 - since_start % 30) < 1e-3

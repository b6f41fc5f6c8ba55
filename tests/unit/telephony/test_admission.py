"""Admission: new callers are shed while the controller reads the switch's events late, with
hysteresis, measured against the smallest event age seen (a clock offset cancels out); the intake
hands a shed caller to the `shed` owner, never an agent's or a desk call's leg."""

from __future__ import annotations

import pytest

from calldesk.errors import ConfigError
from calldesk.esl.frames import Event, Headers
from calldesk.telephony.admission import Admission
from calldesk.telephony.intake import Intake
from calldesk.telephony.tracker import LegTracker


def test_sheds_above_the_lag_and_admits_again_below_the_resume_lag() -> None:
    a = Admission(shed_lag_s=2.0, resume_lag_s=0.5)
    offset = 3600.0  # the controller's clock is an hour ahead of the switch's: no lag by itself
    assert a.admit(100.0, 100.0 + offset)  # the baseline: on time
    assert a.admit(101.0, 102.5 + offset) and a.lag_s == pytest.approx(1.5)
    assert not a.admit(102.0, 104.5 + offset)  # 2.5 s late: shed
    assert not a.admit(103.0, 104.0 + offset + 1.0)  # 2.0 s: still above the resume lag
    assert not a.admit(104.0, 105.0 + offset)  # 1.0 s: still shedding (hysteresis)
    assert a.admit(106.0, 106.4 + offset)  # 0.4 s: taken on again
    assert a.shed == 3 and not a.shedding


def test_the_baseline_follows_a_window_and_zero_turns_shedding_off() -> None:
    a = Admission(shed_lag_s=1.0, resume_lag_s=0.2, window_s=10.0)
    assert a.admit(1.0, 1.0)
    assert not a.admit(5.0, 7.0)  # 2 s late against the baseline (on time)
    # 20 s on, the old baseline left the window: a steady 2 s offset is the new "on time"
    assert a.admit(25.0, 27.0) and a.admit(26.0, 28.0) and a.lag_s == 0.0
    never = Admission(shed_lag_s=0.0)
    assert all(never.admit(t, t + 100.0) for t in (1.0, 2.0)) and never.shed == 0


def test_behind_follows_the_pace_lag_even_when_shedding_is_off() -> None:
    a = Admission(shed_lag_s=0.0, pace_lag_s=0.25)
    assert a.admit(10.0, 10.0) and not a.behind  # the baseline
    assert a.admit(11.0, 11.5) and a.behind  # 0.5 s late: readers take longer runs
    assert a.admit(12.0, 12.1) and not a.behind  # 0.1 s: back to their usual pace
    assert a.shed == 0


def test_configuration_is_checked_and_scaled() -> None:
    a = Admission.from_config({"shed_lag_s": 1.5, "resume_lag_s": 0.5}, time_scale=20.0)
    assert (a.shed_lag_s, a.resume_lag_s) == (30.0, 10.0)  # in the simulated clock's seconds
    assert a.pace_lag_s == 5.0
    with pytest.raises(ConfigError, match="intake.shed_lag_s"):
        Admission.from_config({"shed_lag_s": -1, "resume_lag_s": 0.5})
    with pytest.raises(ConfigError, match="intake.resume_lag_s"):
        Admission.from_config({"shed_lag_s": 1.0, "resume_lag_s": 1.0})


def _event(name: str, uuid: str, direction: str = "inbound", **variables: str) -> Event:
    pairs = [("Event-Name", name), ("Unique-ID", uuid), ("Call-Direction", direction)]
    pairs += [(f"variable_{k}", v) for k, v in variables.items()]
    return Event(Headers(pairs))


def test_the_intake_sheds_only_new_customers_and_keeps_its_choice() -> None:
    tracker, intake = LegTracker(), Intake(admit=lambda leg, e: False)  # always behind
    tracker.subscribe(intake.on_leg)
    seen: list[tuple[str, str, str]] = []
    for kind in ("ivr", "shed", "desk", "agent"):
        intake.own(kind, lambda leg, e, k=kind: seen.append((k, leg.uuid, e.name)))
    tracker.on_event("sw", _event("CHANNEL_PARK", "c1", calldesk_did="5551000"))
    tracker.on_event("sw", _event("CHANNEL_PARK", "d1", calldesk_kind="outbound"))
    tracker.on_event("sw", _event("CHANNEL_PARK", "a1", "outbound", calldesk_role="agent"))
    intake.admit = lambda leg, e: True  # caught up: the shed caller stays shed
    tracker.on_event("sw", _event("CHANNEL_HANGUP", "c1"))
    assert seen == [
        ("shed", "c1", "CHANNEL_PARK"),
        ("desk", "d1", "CHANNEL_PARK"),
        ("agent", "a1", "CHANNEL_PARK"),
        ("shed", "c1", "CHANNEL_HANGUP"),
    ]

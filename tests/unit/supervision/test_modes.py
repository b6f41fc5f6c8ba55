"""The mode table against the FreeSWITCH source and the trace README's audio table."""

from __future__ import annotations

import pytest

from calldesk.errors import CommandRefused, ConfigError
from calldesk.supervision.modes import (
    DIGIT,
    HEARS,
    Mode,
    eavesdrop_command,
    eavesdrop_variables,
    mode_after_digits,
    parse_mode,
)
from calldesk.supervision.settings import Settings

# trace README (eavesdrop on the caller, bridged to the agent): digit -> (caller hears, agent hears)
TRACE_AUDIO = {"2": (True, False), "1": (False, True), "3": (True, True), "0": (False, False)}


@pytest.mark.parametrize("mode", [Mode.MONITOR, Mode.WHISPER, Mode.BARGE, Mode.CUSTOMER])
def test_digits_match_the_measured_audio(mode: Mode) -> None:
    agent, customer = HEARS[mode]
    assert TRACE_AUDIO[DIGIT[mode]] == (customer, agent)


def test_start_variables_follow_mod_dptools() -> None:
    # whisper_aleg -> ED_MUX_READ (the target's peer, the agent, hears); whisper_bleg -> ED_MUX_WRITE
    assert eavesdrop_variables(Mode.WHISPER, dtmf=True) == {
        "eavesdrop_enable_dtmf": "true", "eavesdrop_whisper_aleg": "true", "eavesdrop_whisper_bleg": "false"}  # fmt: skip
    assert eavesdrop_variables(Mode.BARGE, dtmf=False)["eavesdrop_whisper_bleg"] == "true"
    assert set(eavesdrop_variables(Mode.MONITOR, dtmf=True).values()) == {"true", "false"}


def test_digit_fold() -> None:
    assert mode_after_digits(Mode.MONITOR, "1") is Mode.WHISPER
    assert mode_after_digits(Mode.MONITOR, "13") is Mode.BARGE
    assert mode_after_digits(Mode.BARGE, "0") is Mode.MONITOR
    assert mode_after_digits(Mode.BARGE, "2") is Mode.CUSTOMER
    assert (
        mode_after_digits(Mode.BARGE, "4#9") is Mode.BARGE
    )  # video layouts, other keys: no change
    assert mode_after_digits(Mode.BARGE, "1*") is None


def test_parse_mode() -> None:
    assert parse_mode("takeover") is Mode.TAKEOVER
    for bad in ("customer", "spy", ""):
        with pytest.raises(ValueError):
            parse_mode(bad)


def test_sendevent_frame_is_injection_safe() -> None:
    raw = eavesdrop_command("5a1c-77", Mode.WHISPER)
    assert raw == (b"sendevent CUSTOM\nEvent-Subclass: calldesk::eavesdrop\nUnique-ID: 5a1c-77\n"
                   b"eavesdrop-command: 1\n\n")  # fmt: skip
    with pytest.raises(CommandRefused):
        eavesdrop_command("x\nuuid_kill all", Mode.BARGE)


@pytest.mark.parametrize(
    "raw, key",
    [({"notify": "sms"}, "supervision.notify"), ({"switch_modes": "sip"}, "supervision.switch_modes"),
     ({"supervisor_keys": False}, "supervision.supervisor_keys"), ({"x": 1}, "supervision.x"),
     ({"answer_timeout": 0}, "supervision.answer_timeout"), ({"tone": "a\nb"}, "supervision.tone")],
)  # fmt: skip
def test_settings_refusals(raw, key) -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_config(raw)
    assert err.value.key_path == key
    assert (
        Settings.from_config({"switch_modes": "event", "supervisor_keys": False}).switch_modes
        == "event"
    )

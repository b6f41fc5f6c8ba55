"""Supervision modes and how they map onto FreeSWITCH's eavesdrop. Pure.

We eavesdrop on the **customer** leg (the bridge originator, as in the eavesdrop trace). In
`switch_ivr_eavesdrop_session` (src/switch_ivr_async.c) the supervisor's audio is mixed:
- with ED_MUX_WRITE into what is written to the target, so the target (customer) hears it;
- with ED_MUX_READ into what the target reads, which its bridge peer (the agent) receives.
`eavesdrop_whisper_aleg=true` sets ED_MUX_READ and `eavesdrop_whisper_bleg=true` ED_MUX_WRITE
(mod_dptools.c); digits 1/2/3/0 set READ only / WRITE only / both / neither. The trace README's
audio table confirms it on this bridged pair: after `1` only the agent hears the supervisor.

| mode     | agent hears | customer hears | digit | start variables            |
| monitor  | no          | no             | 0     | (none)                     |
| whisper  | yes         | no             | 1     | eavesdrop_whisper_aleg     |
| barge    | yes         | yes            | 3     | both whisper variables     |
| takeover | the supervisor is bridged to the customer; the agent leg is released       |
`customer` (digit 2, only the customer hears the supervisor) is not offered by the API but is
tracked when a supervisor presses 2 on their own phone.
"""

from __future__ import annotations

from enum import StrEnum

from calldesk.esl.commands import check_uuid


class Mode(StrEnum):
    MONITOR = "monitor"
    WHISPER = "whisper"
    BARGE = "barge"
    TAKEOVER = "takeover"
    CUSTOMER = "customer"  # digit 2 from the supervisor's own keypad


EAVESDROP_MODES = (Mode.MONITOR, Mode.WHISPER, Mode.BARGE)
API_MODES = (Mode.MONITOR, Mode.WHISPER, Mode.BARGE, Mode.TAKEOVER)

DIGIT = {Mode.MONITOR: "0", Mode.WHISPER: "1", Mode.CUSTOMER: "2", Mode.BARGE: "3"}
BY_DIGIT = {d: m for m, d in DIGIT.items()}

# who hears the supervisor: (agent, customer) == (ED_MUX_READ, ED_MUX_WRITE) on the customer leg
HEARS = {
    Mode.MONITOR: (False, False),
    Mode.WHISPER: (True, False),
    Mode.CUSTOMER: (False, True),
    Mode.BARGE: (True, True),
    Mode.TAKEOVER: (False, True),
}


def parse_mode(text: str) -> Mode:
    try:
        mode = Mode(text)
    except ValueError:
        mode = None
    if mode not in API_MODES:
        raise ValueError(f"unknown supervision mode {text!r} (one of {', '.join(API_MODES)})")
    return mode


def eavesdrop_variables(mode: Mode, *, dtmf: bool) -> dict[str, str]:
    """Variables on the supervisor's leg so eavesdrop starts directly in `mode`."""
    agent, customer = HEARS[mode]
    return {
        "eavesdrop_enable_dtmf": "true" if dtmf else "false",
        "eavesdrop_whisper_aleg": "true" if agent else "false",
        "eavesdrop_whisper_bleg": "true" if customer else "false",
    }


def mode_after_digits(mode: Mode, digits: str) -> Mode | None:
    """The mode after the eavesdrop loop applied `digits`; None when `*` ended the eavesdrop."""
    for d in digits:
        if d == "*":
            return None
        mode = BY_DIGIT.get(d, mode)
    return mode


def eavesdrop_command(leg_uuid: str, mode: Mode) -> bytes:
    """`sendevent` that queues an event with an `eavesdrop-command` header on the supervisor's leg.

    mod_event_socket queues a sendevent carrying `Unique-ID` onto that session's event queue;
    the eavesdrop loop dequeues it and applies its digits like DTMF, even with
    `eavesdrop_enable_dtmf=false` and without a DTMF event."""
    lines = [
        "sendevent CUSTOM",
        "Event-Subclass: calldesk::eavesdrop",
        "Unique-ID: " + check_uuid(leg_uuid),
        "eavesdrop-command: " + DIGIT[mode],
    ]
    return ("\n".join(lines) + "\n\n").encode()

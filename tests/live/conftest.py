"""Fixtures for tests against a real FreeSWITCH at CALLDESK_ESL_URL (esl://:password@host:port)."""

from __future__ import annotations

import os

import pytest

from calldesk.config import parse_esl_url
from calldesk.errors import CalldeskError
from calldesk.esl.connection import SwitchConnection, SwitchSettings
from calldesk.telephony.switchboard import Switchboard


@pytest.fixture
def esl_settings() -> SwitchSettings:
    url = os.environ.get("CALLDESK_ESL_URL")
    if not url:
        pytest.skip("CALLDESK_ESL_URL is not set")
    sw = parse_esl_url(url)
    return SwitchSettings(sw["name"], sw["host"], sw["port"], sw["password"], command_timeout=10.0)


@pytest.fixture
def live_board(esl_settings: SwitchSettings):
    board = Switchboard([SwitchConnection(esl_settings)])
    assert board.start(wait=10.0) == {esl_settings.name: True}
    yield board
    board.stop()


# Loopback endpoints that need no dialplan: the -b twin runs the inline app list. The comma
# between the apps is escaped: switch_ivr_originate splits a dial string on every unescaped `,`
# (and `|`) into targets rung at once, so `loopback/answer,park/default/inline` would dial
# `loopback/answer` and a `park/...` endpoint that does not exist (switch_utils.c,
# cleanup_separated_string, turns `\,` back into `,` for mod_loopback).
ANSWERS = r"loopback/answer\,park/default/inline"  # answers at once, then parks
NEVER_ANSWERS = "loopback/park/default/inline"  # parks unanswered: the -a leg rings on


def parked_loopback(conn: SwitchConnection) -> str:
    """A parked, answered leg (the -a leg of ANSWERS, which runs `&park()`)."""
    out = conn.api("originate", f"{ANSWERS} &park()", timeout=15)
    assert out.startswith("+OK "), out
    return out.split()[1].strip()


def hang_up_role(board: Switchboard, role: str) -> None:
    """Hang up every leg still carrying calldesk_role=<role>, so a failed test leaves no call
    up for the next one."""
    for leg in list(board.tracker.legs.values()):
        if leg.alive and leg.variables.get("calldesk_role") == role:
            try:
                board.switches[leg.switch].hangup(leg.uuid)
            except CalldeskError:  # cleanup must not hide the test's own failure
                pass

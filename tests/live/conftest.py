"""Fixtures for tests against a real FreeSWITCH at CALLDESK_ESL_URL (esl://:password@host:port)."""

from __future__ import annotations

import os

import pytest

from calldesk.config import parse_esl_url
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


def parked_loopback(conn: SwitchConnection) -> str:
    """A parked, answered leg that needs no dialplan: the -b twin runs `answer,park` inline."""
    out = conn.api("originate", "loopback/answer,park/default/inline &park()", timeout=15)
    assert out.startswith("+OK "), out
    return out.split()[1].strip()

"""Why a bridge failed, as the voice media says it: the switch refused it (its -ERR), or the link
gave no reply (a timeout, no connection), which the ACD does not hold against the agent."""

from __future__ import annotations

from typing import Any

import pytest

from calldesk.acd.events import BRIDGE_NO_REPLY, LINK_CAUSES
from calldesk.engine.settings import DispatchSettings
from calldesk.errors import CommandTimeout, ESLError, NotConnected
from calldesk.telephony.legs import LegRef
from calldesk.voice.media import Voice

A, B = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


class Conn:
    def __init__(self, error: Exception | None) -> None:
        self.error, self.sent = error, []

    def api(self, *words: Any, check: bool = True) -> str:
        self.sent.append(words)
        if words[0] == "uuid_bridge" and self.error is not None:
            raise self.error
        return "+OK"


class Board:
    def __init__(self, conn: Conn) -> None:
        self.switches = {"fs1": conn}


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (None, None),
        (ESLError("-ERR no such channel"), "bridge refused"),
        (CommandTimeout("no reply in 5.0s to b'api uuid_bridge'"), BRIDGE_NO_REPLY),
        (NotConnected("switch fs1 is not connected"), BRIDGE_NO_REPLY),
    ],
)
def test_a_bridge_says_why_it_failed(error: Exception | None, cause: str | None) -> None:
    conn = Conn(error)
    voice = Voice(Board(conn), DispatchSettings())  # type: ignore[arg-type]
    assert voice.bridge(LegRef(A, "fs1"), B) == cause
    assert conn.sent[-1] == ("uuid_bridge", A, B)
    assert (cause in LINK_CAUSES) is (cause == BRIDGE_NO_REPLY)

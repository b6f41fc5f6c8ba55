"""Outbound dialing against a real FreeSWITCH (CALLDESK_ESL_URL), with the trunks of
`tests/live/calldesk-live.yaml` (render that config and start FreeSWITCH with it; see README).

The refusal paths always run: premium, international and non-E.164 numbers are refused before
anything reaches the switch. If the rendered gateway `local-sipp` is loaded, one call goes out
through it and must come back with a FreeSWITCH cause (or an answer), counted and uncounted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from calldesk.config import load_config
from calldesk.trunks import parse_trunks
from calldesk.trunks.dialer import OutboundDialer, OutboundFailed, OutboundRefused

pytestmark = pytest.mark.live_freeswitch

HERE = Path(__file__).parent
GATEWAY = "local-sipp"


class Journal:
    def __init__(self) -> None:
        self.entries: list[tuple[str, dict]] = []

    def append(self, kind: str, subject: str, data: dict | None, at: float) -> int:
        self.entries.append((kind, data or {}))
        return len(self.entries)


@pytest.fixture
def dialer(live_board: Any) -> OutboundDialer:
    config = load_config(HERE / "calldesk-live.yaml", env={})
    trunks = parse_trunks(config["trunks"], env={})
    dialer = OutboundDialer.build(trunks, config["outbound"], live_board, Journal())
    live_board.tracker.subscribe(dialer.on_leg)
    return dialer


def legs_on_switch(board: Any) -> set[str]:
    conn = next(iter(board.switches.values()))
    rows = json.loads(conn.api("show", "channels as json") or "{}").get("rows") or []
    return {r["uuid"] for r in rows}


@pytest.mark.parametrize(
    "number, code",
    [("+19005551234", "premium"), ("+442071234567", "international"),
     ("+18765551234", "international"), ("12125551234", "not_e164")],
)  # fmt: skip
def test_refused_destinations_never_reach_the_switch(dialer, live_board, number, code) -> None:
    before = legs_on_switch(live_board)
    with pytest.raises(OutboundRefused) as info:
        dialer.dial(number, {"originate_timeout": 5})
    assert info.value.code == code
    assert [k for k, _ in dialer.journal.entries] == ["outbound.refused"]
    assert not {u for u in legs_on_switch(live_board) - before}


def test_a_call_through_the_rendered_gateway(dialer, live_board) -> None:
    conn = next(iter(live_board.switches.values()))
    status = conn.api("sofia", "status", "gateway", GATEWAY, check=False)
    if "Invalid Gateway" in status or GATEWAY not in status:
        pytest.skip(f"gateway {GATEWAY} is not loaded on this switch")
    try:
        got = dialer.dial("+12125551234", {"originate_timeout": 5})
    except OutboundFailed as exc:  # nobody answers at the far end: a real cause came back
        assert exc.code != "switch_error" and exc.cause.isupper() and exc.tried == [GATEWAY]
    else:
        assert got.trunk == GATEWAY
        conn.hangup(got.uuid)
    attempt = dict(dialer.journal.entries)["outbound.attempt"]
    assert attempt["dial"] == f"sofia/gateway/{GATEWAY}/+12125551234"

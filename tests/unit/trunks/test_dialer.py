"""OutboundDialer over a scripted connection: refusals, order, leg limits, failover."""

from __future__ import annotations

from typing import Any

import gevent.event
import pytest

from calldesk.esl.frames import Event, Headers
from calldesk.telephony.switchboard import Switchboard
from calldesk.trunks import parse_trunks
from calldesk.trunks.dialer import OutboundDialer, OutboundFailed, OutboundRefused

ENV = {"A_USER": "u", "A_PASS": "p4ssw0rd-long"}


class ScriptedConn:
    """Answers each `bgapi originate` from `script[trunk]` (a list, one result per attempt)."""

    def __init__(self, script: dict[str, list[str]]) -> None:
        self.name, self.ready = "sw1", True
        self.script = script
        self.originates: list[str] = []

    def add_handler(self, fn: Any, inline: bool = False) -> None: ...

    def add_resync_listener(self, fn: Any) -> None: ...

    def bgapi(self, cmd: str, args: str) -> gevent.event.AsyncResult:
        assert cmd == "originate"
        self.originates.append(args)
        trunk = args.split("sofia/gateway/", 1)[1].split("/", 1)[0]
        uuid = args.split("origination_uuid=", 1)[1].split(",", 1)[0].rstrip("}")
        text = self.script[trunk].pop(0).replace("<uuid>", uuid)
        job: gevent.event.AsyncResult = gevent.event.AsyncResult()
        job.set(text)
        return job

    def hangup(self, uuid: str, cause: str = "NORMAL_CLEARING") -> bool:
        return True


class Journal:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, dict]] = []

    def append(self, kind: str, subject: str, data: dict | None, at: float) -> int:
        self.entries.append((kind, subject, data or {}))
        return len(self.entries)

    def kinds(self) -> list[str]:
        return [k for k, _, _ in self.entries]


def make(script: dict[str, list[str]], outbound: dict | None = None, alpha_legs: int = 2):
    raw = [
        {"name": "alpha", "max_legs": alpha_legs, "routes": ["+1*"],
         "gateway": {"proxy": "sip.alpha.example", "auth": "registration",
                     "username_env": "A_USER", "password_env": "A_PASS"}},
        {"name": "beta", "max_legs": 2, "number_format": "digits", "routes": ["+1*", "+44*"],
         "gateway": {"proxy": "198.51.100.20", "auth": "ip"}, "acl": ["198.51.100.20"]},
    ]  # fmt: skip
    conn = ScriptedConn(script)
    board = Switchboard([conn])  # type: ignore[list-item]
    journal = Journal()
    dialer = OutboundDialer.build(parse_trunks(raw, env=ENV), outbound, board, journal)
    board.tracker.subscribe(dialer.on_leg)
    return dialer, conn, board, journal


@pytest.mark.parametrize(
    "number, code",
    [("+19005551234", "premium"), ("+442071234567", "international"),
     ("+18765551234", "international"), ("5551234", "not_e164")],
)  # fmt: skip
def test_refusals_name_the_rule_and_dial_nothing(number: str, code: str) -> None:
    dialer, conn, _, journal = make({})
    with pytest.raises(OutboundRefused) as info:
        dialer.dial(number, subject="i1")
    assert info.value.code == code and number in str(info.value)
    assert conn.originates == []
    assert journal.entries == [("outbound.refused", "i1", journal.entries[0][2])]
    assert journal.entries[0][2]["code"] == code


def test_a_number_outside_the_allow_list_is_refused() -> None:
    dialer, conn, _, journal = make({}, outbound={"allow": ["+1212*"]})
    with pytest.raises(OutboundRefused) as info:
        dialer.dial("+13125551234")
    assert info.value.code == "not_allowed" and conn.originates == []
    assert journal.kinds() == ["outbound.refused"]


def test_explicitly_allowed_international_goes_out() -> None:
    dialer, conn, _, _ = make({"beta": ["+OK <uuid>"]}, outbound={"allow_international": ["+44*"]})
    got = dialer.dial("+442071234567")
    assert got.trunk == "beta" and "sofia/gateway/beta/442071234567" in conn.originates[0]


def test_first_trunk_by_pattern_with_its_variables() -> None:
    dialer, conn, _, journal = make({"alpha": ["+OK <uuid>"]})
    got = dialer.dial("+12125551234", {"calldesk_role": "callback"}, subject="i1")
    assert (got.trunk, got.switch, got.attempts) == ("alpha", "sw1", 1)
    args = conn.originates[0]
    assert args.endswith("sofia/gateway/alpha/+12125551234 &park()")
    assert "calldesk_trunk=alpha" in args and "calldesk_role=callback" in args
    assert "ignore_early_media=true" in args  # a carrier's 183 is not the customer answering
    assert f"origination_uuid={got.uuid}" in args
    assert journal.kinds() == ["outbound.attempt", "outbound.connected"]


def test_a_trunk_at_its_leg_limit_is_skipped() -> None:
    dialer, conn, board, journal = make({"beta": ["+OK <uuid>"]}, alpha_legs=1)
    headers = [("Event-Name", "CHANNEL_CREATE"), ("Unique-ID", "busy-leg"),
               ("variable_calldesk_trunk", "alpha")]  # fmt: skip
    board.tracker.on_event("sw1", Event(Headers(headers)))
    assert dialer.legs.active("alpha") == 1
    got = dialer.dial("+12125551234")
    assert got.trunk == "beta" and "sofia/gateway/beta/12125551234" in conn.originates[0]
    assert journal.entries[0][2]["skipped"] == [["alpha", "at its leg limit (1/1)"]]
    board.tracker.on_event(
        "sw1", Event(Headers([("Event-Name", "CHANNEL_DESTROY"), ("Unique-ID", "busy-leg")]))
    )
    assert dialer.legs.active("alpha") == 0


def test_failover_on_temporary_failure_then_success() -> None:
    script = {"alpha": ["-ERR NORMAL_TEMPORARY_FAILURE"], "beta": ["+OK <uuid>"]}
    dialer, conn, _, journal = make(script)
    got = dialer.dial("+12125551234", subject="i1")
    assert (got.trunk, got.attempts) == ("beta", 2) and len(conn.originates) == 2
    assert journal.kinds() == [
        "outbound.attempt", "outbound.failover", "outbound.attempt", "outbound.connected",
    ]  # fmt: skip
    failover = journal.entries[1][2]
    assert (failover["from"], failover["to"], failover["cause"]) == (
        "alpha", "beta", "NORMAL_TEMPORARY_FAILURE",
    )  # fmt: skip
    assert dialer.legs.active("alpha") == 0 and dialer.legs.active("beta") == 1


@pytest.mark.parametrize("cause", ["USER_BUSY", "NO_ANSWER", "CALL_REJECTED"])
def test_no_failover_on_the_callees_answer(cause: str) -> None:
    dialer, conn, _, journal = make({"alpha": [f"-ERR {cause}"], "beta": ["+OK <uuid>"]})
    with pytest.raises(OutboundFailed) as info:
        dialer.dial("+12125551234")
    assert info.value.cause == cause and info.value.tried == ["alpha"]
    assert len(conn.originates) == 1
    assert journal.kinds() == ["outbound.attempt", "outbound.failed"]
    assert dialer.legs.active("alpha") == 0


def test_every_trunk_failing_raises_the_last_cause() -> None:
    script = {"alpha": ["-ERR GATEWAY_DOWN"], "beta": ["-ERR NORMAL_TEMPORARY_FAILURE"]}
    dialer, _, _, journal = make(script)
    with pytest.raises(OutboundFailed) as info:
        dialer.dial("+12125551234")
    assert info.value.cause == "NORMAL_TEMPORARY_FAILURE" and info.value.code == "exhausted"
    assert info.value.tried == ["alpha", "beta"] and journal.kinds()[-1] == "outbound.failed"

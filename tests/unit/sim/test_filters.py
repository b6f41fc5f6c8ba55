"""ESL filters with mod_event_socket.c's semantics (event_handler): positive and negative
filters in order, `+`/`-` signs, `/re/flags` regexes, whole-value compares without case, and
headers read without case from a real simulated event."""

from __future__ import annotations

import pytest

from calldesk.sim import SimSwitch
from calldesk.sim.filters import passes

EXECUTE_SET = {"Event-Name": "CHANNEL_EXECUTE", "Application": "set", "Unique-ID": "a"}
CREATE = {"Event-Name": "CHANNEL_CREATE", "Unique-ID": "b", "Caller-Caller-ID-Number": "+15550123"}


def check(headers: dict[str, str], filters: list[tuple[str, str]]) -> bool:
    lower = {k.lower(): v for k, v in headers.items()}
    return passes(lambda name: lower.get(name.lower()), filters)


@pytest.mark.parametrize(
    ("headers", "filters", "sent"),
    [
        (CREATE, [("Unique-ID", "b")], True),
        (CREATE, [("Unique-ID", "a")], False),
        (CREATE, [("unique-id", "B")], True),  # names and values compared without case
        # A leading + is a sign: the number without it never equals "+15550123".
        (CREATE, [("Caller-Caller-ID-Number", "+15550123")], False),
        (CREATE, [("Caller-Caller-ID-Number", r"/^\+15550123$/")], True),
        (CREATE, [("Caller-Caller-ID-Number", "/^5550/")], False),
        (CREATE, [("Event-Name", "/channel_/i")], True),  # flags after the closing slash
        (CREATE, [("Event-Name", "/CHANNEL_")], False),  # no closing slash: no match
        # Every event through, then the set app dropped: the negative wins whatever the order.
        (EXECUTE_SET, [("Event-Name", "/./"), ("Application", "-set")], False),
        (EXECUTE_SET, [("Application", "-set"), ("Event-Name", "/./")], False),
        (CREATE, [("Event-Name", "/./"), ("Application", "-set")], True),  # no Application
        (EXECUTE_SET, [("Event-Name", "/./"), ("Application", "-park")], True),
        # Negatives alone send nothing: an event needs a positive match.
        (CREATE, [("Application", "-set")], False),
        (EXECUTE_SET, [("Unique-ID", "b"), ("Unique-ID", "a")], True),  # any positive one
        (EXECUTE_SET, [("Unique-ID", " + a")], True),  # signs and spaces before the value
    ],
)
def test_mod_event_socket_filter_semantics(headers, filters, sent) -> None:
    assert check(headers, filters) is sent


def test_a_simulated_events_headers_are_read_without_case_and_without_its_pairs() -> None:
    sw = SimSwitch(password="filters-test-password", history=500).start()
    try:
        sw.dialplan.add_did("5551000")
        leg = sw.inject_call(did="5551000", caller_id="+15550123")
        sw.clock.sleep(0.2)
        events = [e for e in sw.history if e.uuid == leg]
        create = next(e for e in events if e.name == "CHANNEL_CREATE")
        assert create.first("Event-Name") == "CHANNEL_CREATE"
        assert create.first("caller-caller-id-number") == "+15550123"  # decoded, any case
        assert create.first("Unique-ID") == leg and create.first("Application") is None
        execute = next(e for e in events if e.name == "CHANNEL_EXECUTE")
        assert execute.first("application") == execute.get("Application") == "set"
        for e in events:  # the first occurrence, as the pairs have it
            for name in ("Event-Date-Timestamp", "Channel-State", "variable_calldesk_did"):
                assert e.first(name) == e.get(name)
    finally:
        sw.stop()

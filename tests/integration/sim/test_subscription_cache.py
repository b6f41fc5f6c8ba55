"""With no history kept, the switch encodes only events a connection listens to; what it
remembers per event name must follow every subscription change."""

from __future__ import annotations

import pytest
from tests.protocol.sim_client import RawClient

from calldesk.sim import SimSwitch


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="s3cret", time_scale=50.0, recordings_dir=tmp_path, history=0).start()
    s.dialplan.add_did("5551000")
    yield s
    s.stop()


def _client(sw: SimSwitch) -> RawClient:
    c = RawClient.connect(sw.port)
    assert c.command("auth s3cret\n\n").reply_text == "+OK accepted"
    return c


def _created(c: RawClient) -> list[str]:
    return [e.get("Unique-ID") for e in c.events() if e.name == "CHANNEL_CREATE"]


def test_a_listener_added_after_an_unheard_event_gets_the_next(sw: SimSwitch) -> None:
    c = _client(sw)
    c.command("event plain CHANNEL_ANSWER\n\n")
    unheard = sw.inject_call("5551000", caller_id="+15550001")  # nobody wants CHANNEL_CREATE
    c.command("event plain CHANNEL_CREATE\n\n")
    heard = sw.inject_call("5551000", caller_id="+15550002")
    c.wait_event("CHANNEL_CREATE", Unique_ID=heard)
    c.command("nixevent CHANNEL_CREATE\n\n")
    sw.inject_call("5551000", caller_id="+15550003")
    other = _client(sw)  # a second connection, all events
    other.command("event plain ALL\n\n")
    last = sw.inject_call("5551000", caller_id="+15550004")
    other.wait_event("CHANNEL_CREATE", Unique_ID=last)
    c.command("noevents\n\n")  # a round trip: whatever was sent to c has arrived
    assert _created(c) == [heard]
    assert unheard not in _created(other)
    other.command("noevents\n\n")
    other.close()
    c.command("myevents " + last + "\n\n")
    sw.kill(last)
    c.wait_event("CHANNEL_HANGUP", Unique_ID=last)
    c.close()

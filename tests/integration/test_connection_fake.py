"""SwitchConnection over real TCP against a scripted fake: futures, matching, timeouts,
malformed frames, reconnect and resync."""

from __future__ import annotations

import gevent
import pytest
from tests.doubles import FakeSwitch, api_response, event_plain, reply

from calldesk.errors import CommandTimeout, ESLError, NotConnected
from calldesk.esl.connection import SwitchConnection, SwitchSettings


@pytest.fixture
def fake():
    switch = FakeSwitch().start()
    yield switch
    switch.stop()


def make_conn(fake: FakeSwitch, backoff: float = 0.05) -> SwitchConnection:
    settings = SwitchSettings(
        "fs1",
        "127.0.0.1",
        fake.port,
        fake.password,
        command_timeout=0.5,
        backoff_initial=backoff,
    )
    return SwitchConnection(settings)


def test_connects_subscribes_resyncs_then_ready(fake: FakeSwitch) -> None:
    fake.channels = [
        {
            "uuid": "leg-1",
            "name": "sofia/external/+1555",
            "state": "CS_EXECUTE",
            "callstate": "ACTIVE",
        }
    ]
    seen = []
    conn = make_conn(fake)
    conn.add_resync_listener(lambda name, rows: seen.append((name, [r["uuid"] for r in rows])))
    assert conn.start(wait=3)
    assert seen == [("fs1", ["leg-1"])]
    commands = fake.received
    assert commands[0] == "auth test-pw"
    assert commands[1].startswith("event plain CHANNEL_CREATE")
    assert commands[2] == "api show channels as json"
    conn.stop()


def test_wrong_password_is_not_ready(fake: FakeSwitch) -> None:
    conn = SwitchConnection(
        SwitchSettings("fs1", "127.0.0.1", fake.port, "wrong", backoff_initial=0.05)
    )
    assert not conn.start(wait=0.5)
    assert "authentication refused" in conn.health.last_error
    conn.stop()


def test_api_error_output_raises_and_uncheck_returns_text(fake: FakeSwitch) -> None:
    conn = make_conn(fake)
    assert conn.start(wait=3)
    with pytest.raises(ESLError, match="Command not found"):
        conn.api("bogus_command")
    assert conn.api("bogus_command", check=False).startswith("-ERR bogus_command")
    conn.stop()


def test_bgapi_future_resolves_by_job_uuid_out_of_order(fake: FakeSwitch) -> None:
    conn = make_conn(fake)
    assert conn.start(wait=3)
    first = conn.bgapi("status")
    second = conn.bgapi("version")
    jobs = [c.split("Job-UUID: ")[1] for c in fake.received if c.startswith("bgapi")]
    fake.broadcast(
        event_plain([("Event-Name", "BACKGROUND_JOB"), ("Job-UUID", jobs[1])], "v1.10\n")
    )
    fake.broadcast(
        event_plain([("Event-Name", "BACKGROUND_JOB"), ("Job-UUID", jobs[0])], "UP 0 years\n")
    )
    assert second.get(timeout=2) == "v1.10\n"
    assert first.get(timeout=2) == "UP 0 years\n"
    conn.stop()


def test_execute_matches_application_uuid_not_app_name(fake: FakeSwitch) -> None:
    conn = make_conn(fake)
    assert conn.start(wait=3)
    a = conn.execute_async("leg-1", "playback", "a.wav")
    b = conn.execute_async("leg-1", "playback", "b.wav")
    sent = [c for c in fake.received if c.startswith("sendmsg")]
    ids = [c.split("Event-UUID: ")[1].split("\n")[0] for c in sent]
    done = lambda app_uuid, resp: event_plain(  # noqa: E731
        [("Event-Name", "CHANNEL_EXECUTE_COMPLETE"), ("Unique-ID", "leg-1"), ("Application", "playback"),
         ("Application-UUID", app_uuid), ("Application-Response", resp)]
    )  # fmt: skip
    fake.broadcast(done(ids[1], "FILE PLAYED"))
    assert b.get(timeout=2).get("Application-Response") == "FILE PLAYED"
    assert not a.ready()
    fake.broadcast(done(ids[0], "FILE NOT FOUND"))
    assert a.get(timeout=2).get("Application-Response") == "FILE NOT FOUND"
    conn.stop()


def test_execute_fails_when_leg_destroyed(fake: FakeSwitch) -> None:
    conn = make_conn(fake)
    assert conn.start(wait=3)
    pending = conn.execute_async("leg-9", "park")
    fake.broadcast(event_plain([("Event-Name", "CHANNEL_DESTROY"), ("Unique-ID", "leg-9")]))
    with pytest.raises(ESLError, match="gone"):
        pending.get(timeout=2)
    conn.stop()


def test_silent_switch_fails_only_that_command(fake: FakeSwitch) -> None:
    conn = make_conn(fake)
    assert conn.start(wait=3)

    def late_reply(c, command: str) -> bool:
        if command == "api slow":
            gevent.spawn_later(0.8, c.send, api_response("late\n"))
            return True
        return False

    fake.responders.append(late_reply)
    with pytest.raises(CommandTimeout):
        conn.api("slow")
    # The late reply pairs with the timed-out command, so the next one gets its own reply.
    gevent.sleep(0.5)
    assert conn.api("bogus", check=False).startswith("-ERR bogus")
    assert conn.ready
    conn.stop()


def test_malformed_frames_are_skipped_and_connection_kept(fake: FakeSwitch) -> None:
    conn = make_conn(fake)
    events = []
    conn.add_handler(events.append)
    assert conn.start(wait=3)
    fake.broadcast(b"Content-Length: nope\n\n")
    fake.broadcast(b"Content-Type: text/event-json\nContent-Length: 5\n\n{bad}")
    fake.broadcast(event_plain([("Event-Name", "CHANNEL_ANSWER"), ("Unique-ID", "leg-2")]))
    gevent.sleep(0.2)
    assert [e.name for e in events] == ["CHANNEL_ANSWER"]
    assert conn.health.bad_events == 1
    assert conn.ready
    conn.stop()


def test_reconnects_and_resyncs_before_accepting_work(fake: FakeSwitch) -> None:
    resyncs = []
    conn = make_conn(fake, backoff=0.4)
    conn.add_resync_listener(lambda name, rows: resyncs.append(len(rows)))
    assert conn.start(wait=3)
    fake.channels = [{"uuid": "leg-a"}, {"uuid": "leg-b"}]
    fake.drop_all()
    gevent.sleep(0.02)
    with pytest.raises(NotConnected):
        conn.api("status")
    assert conn.wait_ready(timeout=3)
    assert resyncs == [0, 2]
    assert conn.health.connects == 2
    conn.stop()


def test_pending_commands_fail_on_disconnect(fake: FakeSwitch) -> None:
    conn = make_conn(fake)
    assert conn.start(wait=3)
    fake.silent.add("api hang")
    job = gevent.spawn(conn.api, "hang", timeout=5)
    gevent.sleep(0.1)
    fake.drop_all()
    with pytest.raises(NotConnected):
        job.get(timeout=2)
    conn.stop()


def test_slow_handler_does_not_stall_other_legs(fake: FakeSwitch) -> None:
    conn = make_conn(fake)
    seen = []

    def handler(event) -> None:
        if event.uuid == "slow-leg":
            gevent.sleep(1.0)
        seen.append(event.uuid)

    conn.add_handler(handler)
    assert conn.start(wait=3)
    fake.broadcast(event_plain([("Event-Name", "DTMF"), ("Unique-ID", "slow-leg")]))
    fake.broadcast(event_plain([("Event-Name", "DTMF"), ("Unique-ID", "fast-leg")]))
    gevent.sleep(0.3)
    assert seen == ["fast-leg"]
    conn.stop()


def test_a_command_sent_from_the_reader_itself_is_named(fake: FakeSwitch, caplog) -> None:
    """An inline handler runs in the ESL reader: a command it sends can only have its reply read
    by that same reader, so it waits out its timeout. That defect is logged with the stack."""
    conn = make_conn(fake)
    failures = []

    def inline(event) -> None:
        if event.uuid == "leg-1":
            try:
                conn.api("status")
            except CommandTimeout as exc:
                failures.append(exc)

    conn.add_handler(inline, inline=True)
    conn.settings.command_timeout = 0.3
    assert conn.start(wait=3)
    fake.broadcast(event_plain([("Event-Name", "DTMF"), ("Unique-ID", "leg-1")]))
    gevent.sleep(1.0)
    assert failures  # it could not get its reply
    assert "command sent from the ESL reader itself: b'api status" in caplog.text
    conn.stop()


def test_unexpected_reply_without_command_is_logged(fake: FakeSwitch) -> None:
    conn = make_conn(fake)
    assert conn.start(wait=3)
    fake.broadcast(reply("+OK stray"))
    gevent.sleep(0.1)
    assert conn.api("bogus", check=False).startswith("-ERR")
    conn.stop()


def test_stray_command_reply_never_answers_an_api_command(fake: FakeSwitch) -> None:
    conn = make_conn(fake)
    assert conn.start(wait=3)

    def stray_first(c, command: str) -> bool:
        if command == "api bogus":  # a stray command/reply lands just before the real answer
            c.send(reply("+OK stray"))
        return False

    fake.responders.append(stray_first)
    assert conn.api("bogus", check=False).startswith("-ERR bogus")
    conn.stop()


def test_switch_that_stops_answering_is_reconnected_and_resynced(fake: FakeSwitch, caplog) -> None:
    settings = SwitchSettings(
        "fs1",
        "127.0.0.1",
        fake.port,
        fake.password,
        command_timeout=0.3,
        backoff_initial=0.05,
        stall_after=0.6,
    )
    conn = SwitchConnection(settings)
    resyncs = []
    conn.add_resync_listener(lambda name, rows: resyncs.append(name))
    assert conn.start(wait=3)
    fake.silent.add("api hang")
    with pytest.raises(CommandTimeout):
        conn.api("hang")  # only this command fails at first...
    gevent.sleep(1.5)  # ...then the stall watchdog drops the dead connection
    assert conn.wait_ready(timeout=3)
    assert conn.health.connects == 2 and resyncs == ["fs1", "fs1"]
    assert "no reply for 0.6s to 'api hang'" in caplog.text  # the stall names the command
    assert conn.api("bogus", check=False).startswith("-ERR")
    conn.stop()


def test_a_reply_late_behind_a_stream_of_events_is_not_a_stall(fake: FakeSwitch) -> None:
    """A starved controller reads its switch late: a reply waits behind events not read yet.
    While events still arrive the link is not dropped (a reconnect would throw the backlog
    away); once the switch is silent too, the stall watchdog reconnects as before. The fake
    switch shares this process, so its events are sent every 10 ms against a 0.67 s window:
    a loaded box that holds the whole process up must not pass for a silent switch."""
    settings = SwitchSettings("fs1", "127.0.0.1", fake.port, fake.password,
                              command_timeout=0.5, backoff_initial=0.05, stall_after=2.0)
    conn = SwitchConnection(settings)
    assert conn.start(wait=10)
    fake.silent.add("api slow")
    talking = True

    def chatter() -> None:
        n = 0
        while talking:
            n += 1
            fake.broadcast(event_plain([("Event-Name", "DTMF"), ("Unique-ID", f"leg-{n}")]))
            gevent.sleep(0.01)

    feeder = gevent.spawn(chatter)
    with pytest.raises(CommandTimeout):
        conn.api("slow")
    with gevent.Timeout(30, AssertionError("the watchdog never judged the missing reply")):
        while conn.health.behind < 2:  # two watchdog turns kept the link
            assert conn.health.connects == 1  # never dropped while events arrive
            gevent.sleep(0.05)
    gevent.sleep(1.0)  # and still kept a while later
    assert conn.health.connects == 1
    talking = False
    feeder.join()
    with gevent.Timeout(30, AssertionError("a silent switch was never reconnected")):
        while conn.health.connects < 2:
            gevent.sleep(0.05)
    assert conn.wait_ready(timeout=10)
    conn.stop()

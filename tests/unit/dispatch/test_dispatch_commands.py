"""Decision -> ESL command mapping, against an in-memory fake connection (no sockets)."""

from __future__ import annotations

from typing import Any

import gevent
import gevent.event
import pytest
from tests.unit.dispatch.fakes import FakeConn

from calldesk.acd import Acd, AgentConfig, AgentPolicy, QueueConfig
from calldesk.app import wire_acd
from calldesk.engine import DispatchSettings, Engine
from calldesk.esl.frames import Event, Headers
from calldesk.interactions import EnqueueRequest
from calldesk.store import Store
from calldesk.telephony.legs import user_of
from calldesk.telephony.switchboard import Switchboard
from calldesk.voice.adapter import _cid
from calldesk.voice.causes import offer_cause, parse_job


def event(name: str, uuid: str, **headers: str) -> Event:
    pairs = [("Event-Name", name), ("Unique-ID", uuid)] + list(headers.items())
    return Event(Headers(pairs))


@pytest.fixture
def rig() -> Any:
    conn = FakeConn()
    board = Switchboard([conn])  # type: ignore[list-item]
    now = [1000.0]
    acd = Acd([QueueConfig("sales", wrap_up_s=5)], [AgentConfig("alice", "user/1001", queues=("sales",))],
              policy=AgentPolicy(lease_s=15))  # fmt: skip
    svc, _ = wire_acd(acd, board, Store.open(":memory:"), lambda: now[0], DispatchSettings())
    svc.start()
    board.tracker.on_event("sw1", event("CHANNEL_CREATE", "caller-1"))
    board.tracker.on_event("sw1", event("CHANNEL_PARK", "caller-1"))
    yield conn, board, svc, now
    svc.stop()


def settle() -> None:
    for _ in range(5):
        gevent.sleep(0.001)


def enqueue(svc: Engine, caller: str = "+15550101") -> None:
    svc.enqueue(EnqueueRequest(
        interaction_id="caller-1", medium="voice", queue="sales", priority=0, skills={},
        language="en", caller={"id": caller}, variables={}, data={"why": "bill"}, flow="f",
        flow_version="1", path=[]))  # fmt: skip
    settle()


def originate(conn: FakeConn) -> str:
    found = [c for c in conn.sent if c[:2] == ("bgapi", "originate")]
    assert len(found) == 1, conn.sent
    return found[0][2]


def test_offer_originates_the_agent_leg_into_park(rig) -> None:
    conn, _, svc, _ = rig
    svc.login("alice", ready=True)
    enqueue(svc)
    arg = originate(conn)
    assert arg.endswith("}user/1001 &park()")
    for part in ("calldesk_role=agent", "calldesk_agent=alice", "calldesk_interaction=caller-1",
                 "calldesk_offer=caller-1/o1", "origination_caller_id_name=sales:+15550101",
                 "origination_caller_id_number=+15550101", "originate_timeout=16",
                 "ignore_early_media=true"):  # fmt: skip
        assert part in arg
    # an agent was free: the caller hears no MOH unless the agent is slow to answer
    assert not [c for c in conn.sent if c[0] == "execute"]


def test_a_waiting_caller_hears_moh_at_once(rig) -> None:
    conn, _, svc, _ = rig
    enqueue(svc)
    assert ("execute", "caller-1", "playback", "local_stream://moh") in conn.sent
    svc.login("alice", ready=True)
    settle()
    conn.jobs[0].set("+OK agent-1\n")
    settle()
    bridge = [c for c in conn.sent if c[0] == "api"]
    assert bridge == [("api", "uuid_break", "caller-1", "all"),
                      ("api", "uuid_bridge", "caller-1", "agent-1")]  # fmt: skip


def test_answer_bridges_the_caller_and_writes_the_screen_pop(rig) -> None:
    conn, board, svc, now = rig
    svc.login("alice", ready=True)
    enqueue(svc)
    board.tracker.on_event("sw1", event("CHANNEL_CREATE", "agent-1"))
    conn.jobs[0].set("+OK agent-1\n")
    settle()
    assert [c for c in conn.sent if c[0] == "api"] == [
        ("api", "uuid_bridge", "caller-1", "agent-1")
    ]
    pop = svc.persist.screen_pops("alice")[0]
    assert pop["interaction"] == "caller-1" and pop["data"] == {"why": "bill", "caller": {
        "id": "+15550101"}, "ivr_path": []}  # fmt: skip


@pytest.mark.parametrize(
    ("job", "cause"),
    [("-ERR USER_BUSY\n", "busy"), ("-ERR NO_ANSWER\n", "no_answer"),
     ("-ERR CALL_REJECTED\n", "reject"), ("-ERR USER_NOT_REGISTERED\n", "unreachable")],
)  # fmt: skip
def test_failed_originate_refuses_the_offer(rig, job, cause) -> None:
    conn, _, svc, _ = rig
    svc.login("alice", ready=True)
    enqueue(svc)
    conn.jobs[0].set(job)
    settle()
    refused = list(svc.store.journal.read(kind="offer.refused"))
    assert [e.data["cause"] for e in refused] == [cause]


def test_cancel_hangs_up_the_ringing_agent_leg(rig) -> None:
    conn, board, svc, now = rig
    svc.login("alice", ready=True)
    enqueue(svc)
    board.tracker.on_event("sw1", event("CHANNEL_CREATE", "agent-1",
                                        variable_calldesk_offer="caller-1/o1"))  # fmt: skip
    board.tracker.on_event("sw1", event("CHANNEL_HANGUP", "caller-1", **{"Hangup-Cause": "NORMAL_CLEARING"}))  # fmt: skip
    settle()
    assert ("hangup", "agent-1", "ORIGINATOR_CANCEL") in conn.sent
    conn.jobs[0].set("-ERR ORIGINATOR_CANCEL\n")  # our own cancel: nothing more to tell the core
    settle()
    assert not list(svc.store.journal.read(kind="offer.refused"))
    assert [
        e.data["during_offer"] for e in svc.store.journal.read(kind="interaction.abandoned")
    ] == [True]


def test_a_leg_answering_after_the_lease_is_hung_up(rig) -> None:
    conn, board, svc, now = rig
    svc.login("alice", ready=True)
    enqueue(svc)
    now[0] += 16  # the lease ran out
    svc.post()
    settle()
    conn.jobs[0].set("+OK agent-1\n")
    settle()
    assert ("hangup", "agent-1", "ORIGINATOR_CANCEL") in conn.sent
    assert not [c for c in conn.sent if c[:2] == ("api", "uuid_bridge")]


def test_causes_and_job_texts() -> None:
    assert parse_job("+OK 1234-abcd\n") == ("1234-abcd", "SUCCESS")
    assert parse_job("-ERR USER_BUSY\n") == (None, "USER_BUSY")
    assert parse_job("garbage") == (None, "UNKNOWN")
    assert offer_cause("ORIGINATOR_CANCEL") is None
    assert offer_cause("SOMETHING_NEW") == "no_answer"


def test_caller_id_cannot_break_the_dial_string() -> None:
    assert _cid("sales: +1555{x}'\"") == "sales:+1555x"
    assert _cid("Sales EU: +1") == "Sales_EU:+1"


def test_user_of_contacts_and_leg_names() -> None:
    assert user_of("user/1001") == "1001" and user_of("user/1001@example.com") == "1001"
    assert user_of("sofia/internal/1002@10.0.0.1:5060") == "1002"
    assert user_of("loopback/answer") is None

"""The pure decision for calls placed from agents' and supervisors' phones."""

from __future__ import annotations

import pytest

from calldesk.deskcalls import DialOut, Line, Refuse, RingAgent, Supervise, decide, read_call

AGENTS = {"alice": Line("user/1001", busy=False), "bob": Line("user/1002", busy=True),
          "nophone": Line("", busy=False)}  # fmt: skip
EXTENSIONS = {"1001": "alice", "1002": "bob"}
ROLES = {"sam": "supervisor", "ops": "admin", "al": "agent"}


def call(kind: str, **variables: str):  # type: ignore[no-untyped-def]
    found = read_call({"calldesk_kind": kind, **variables})
    assert found is not None
    return decide(found, AGENTS, EXTENSIONS, ROLES)


def test_not_a_desk_call() -> None:
    assert read_call({"calldesk_kind": "inbound"}) is None
    assert read_call({}) is None


def test_agent_call_rings_a_free_agent() -> None:
    d = call("agent_call", calldesk_agent="bob", calldesk_target_agent="alice")
    assert d == RingAgent("alice", "user/1001")


@pytest.mark.parametrize(
    ("target", "caller", "cause"),
    [("bob", "alice", "USER_BUSY"), ("alice", "alice", "USER_BUSY"),
     ("zed", "alice", "UNALLOCATED_NUMBER"), ("nophone", "alice", "UNALLOCATED_NUMBER")],
)  # fmt: skip
def test_agent_call_refusals(target: str, caller: str, cause: str) -> None:
    d = call("agent_call", calldesk_agent=caller, calldesk_target_agent=target)
    assert isinstance(d, Refuse) and d.cause == cause


def test_a_customer_transferred_to_an_extension_rings_it_and_nothing_else() -> None:
    d = call("agent_call", calldesk_did="+15551230000", calldesk_target_agent="alice")
    assert d == RingAgent("alice", "user/1001")
    d = call("outbound", calldesk_did="+15551230000", calldesk_destination="+15550100")
    assert isinstance(d, Refuse) and d.cause == "CALL_REJECTED"


def test_a_phone_that_is_no_calldesk_user_is_refused() -> None:
    d = call("outbound", calldesk_destination="+15550100", calldesk_agent="${calldesk_agent}")
    assert isinstance(d, Refuse) and d.cause == "CALL_REJECTED"


def test_outbound_from_an_agent_or_a_supervisor() -> None:
    assert call("outbound", calldesk_agent="alice", calldesk_destination=" +15550100") == DialOut(
        "+15550100", "alice"
    )
    assert call("outbound", calldesk_user="sam", calldesk_destination="+15550100") == DialOut(
        "+15550100", "sam"
    )
    d = call("outbound", calldesk_agent="alice", calldesk_destination="")
    assert isinstance(d, Refuse) and d.cause == "INVALID_NUMBER_FORMAT"


@pytest.mark.parametrize(
    ("action", "target", "mode", "agent"),
    [("listen", "1001", "monitor", "alice"), ("whisper", "1002", "whisper", "bob"),
     ("barge", "alice", "barge", "alice")],
)  # fmt: skip
def test_supervisor_codes(action: str, target: str, mode: str, agent: str) -> None:
    d = call("supervisor", calldesk_supervisor_user="sam", calldesk_supervisor_action=action,
             calldesk_supervisor_target=target)  # fmt: skip
    assert d == Supervise("sam", agent, mode)


@pytest.mark.parametrize(
    ("variables", "cause"),
    [({"calldesk_agent": "alice"}, "CALL_REJECTED"),  # agents never monitor
     ({"calldesk_user": "al"}, "CALL_REJECTED"),  # nor does a user with the agent role
     ({"calldesk_user": "sam", "calldesk_supervisor_target": "9999"}, "UNALLOCATED_NUMBER"),
     ({"calldesk_user": "ops", "calldesk_supervisor_action": "takeover"}, "CALL_REJECTED")],
)  # fmt: skip
def test_supervisor_code_refusals(variables: dict[str, str], cause: str) -> None:
    base = {"calldesk_supervisor_action": "listen", "calldesk_supervisor_target": "1001"}
    d = call("supervisor", **{**base, **variables})
    assert isinstance(d, Refuse) and d.cause == cause


def test_sim_plays_a_negative_tone_loop_count_for_ever() -> None:
    """The desk-call ringback relies on it (mod_tone_stream: loops < 0 repeats for ever)."""
    from calldesk.deskcalls.service import RINGBACK
    from calldesk.sim.media import FOREVER, tone_stream_seconds

    assert tone_stream_seconds(RINGBACK) == FOREVER
    assert tone_stream_seconds("tone_stream://%(2000,4000,440,480);loops=2") == 12.0

"""Offers over the wire: RONA, lease expiry, busy / reject / unregistered, and the caller hanging
up in each phase (waiting, during the offer, after the bridge), including the answer race."""

from __future__ import annotations

import gevent
import pytest
from tests.integration.dispatch.helpers import wait_for

from calldesk.acd import AgentConfig, AgentState
from calldesk.sim import PhoneBehavior


def agent(aid: str, contact: str) -> AgentConfig:
    return AgentConfig(aid, contact, queues=("sales",))


def refusals(desk, iid: str) -> list[str]:
    return [e.data["cause"] for e in desk.store.journal.read(subject=iid, kind="offer.refused")]


def terminal(desk, iid: str) -> list[str]:
    ends = ("interaction.ended", "interaction.abandoned", "interaction.overflowed")
    return [k for k in desk.kinds(iid) if k in ends]


def test_rona_sends_the_agent_to_not_ready_and_the_call_to_the_next(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.no_answer())
    sim.add_phone("user/1002", PhoneBehavior.answer(after=0.5, hangup_after=3))
    desk = desk_factory([agent("alice", "user/1001"), agent("bob", "user/1002")])
    desk.svc.login("alice", ready=True)
    caller = desk.call()
    alice = desk.acd.agents["alice"]
    wait_for(lambda: alice.state is AgentState.NOT_READY, timeout=10, what="alice RONA")
    assert alice.reason == "missed"
    assert refusals(desk, caller) == ["timeout", "timeout"]
    assert "agent.rona" in desk.kinds("alice")
    wait_for(lambda: not [leg for leg in desk.board.tracker.legs.values()
                          if leg.name.startswith("sofia/internal/1001")], what="ring killed")  # fmt: skip
    desk.svc.login("bob", ready=True)
    wait_for(lambda: "interaction.answered" in desk.kinds(caller), what="bob answers")
    answered = next(desk.store.journal.read(subject=caller, kind="interaction.answered"))
    assert answered.data["agent"] == "bob"


@pytest.mark.parametrize(
    ("contact", "behavior", "cause"),
    [
        ("user/1001", PhoneBehavior.busy(after=0.2), "busy"),
        ("error/CALL_REJECTED", None, "reject"),
        ("user/1001", PhoneBehavior.unregistered(), "unreachable"),
    ],
)
def test_busy_reject_unregistered(sim, desk_factory, contact, behavior, cause) -> None:
    if behavior is not None:
        sim.add_phone(contact, behavior)
    desk = desk_factory([agent("alice", contact)])
    desk.svc.login("alice", ready=True)
    caller = desk.call()
    wait_for(lambda: refusals(desk, caller), what="refused")
    assert refusals(desk, caller)[0] == cause
    alice = desk.acd.agents["alice"]
    assert alice.cooldown_until > 0 and desk.acd.interactions[caller].state.value in (
        "waiting", "offered")  # fmt: skip


def test_caller_hangs_up_while_waiting(sim, desk_factory) -> None:
    desk = desk_factory([agent("alice", "user/1001")])
    caller = desk.call(hangup_after=2.0)
    wait_for(lambda: terminal(desk, caller), what="abandoned")
    ab = next(desk.store.journal.read(subject=caller, kind="interaction.abandoned"))
    assert ab.data["during_offer"] is False and caller not in desk.acd.interactions


def test_caller_hangs_up_during_the_offer(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.no_answer())
    desk = desk_factory([agent("alice", "user/1001")])
    desk.svc.login("alice", ready=True)
    caller = desk.call(hangup_after=3.0)
    wait_for(lambda: terminal(desk, caller), what="abandoned")
    ab = next(desk.store.journal.read(subject=caller, kind="interaction.abandoned"))
    assert ab.data["during_offer"] is True
    alice = desk.acd.agents["alice"]
    wait_for(lambda: alice.state is AgentState.AVAILABLE, what="alice free")
    wait_for(lambda: not any(leg.variables.get("calldesk_role") == "agent"
                             for leg in desk.board.tracker.legs.values()), what="ringing leg killed")  # fmt: skip
    assert alice.missed == 0  # the customer left: no penalty


def test_caller_hangs_up_after_the_bridge(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    desk = desk_factory([agent("alice", "user/1001")])
    desk.svc.login("alice", ready=True)
    caller = desk.call()
    wait_for(lambda: "interaction.bridged" in desk.kinds(caller), what="bridged")
    wait_for(lambda: desk.board.tracker.legs[caller].bridged_to, what="bridge event")
    agent_leg = desk.board.tracker.legs[caller].bridged_to
    sim.hangup(caller)
    wait_for(lambda: terminal(desk, caller) == ["interaction.ended"], what="ended")
    wait_for(lambda: agent_leg not in desk.board.tracker.legs, what="agent leg down")
    alice = desk.acd.agents["alice"]
    assert alice.state is AgentState.WRAP_UP and alice.handled == 1
    wait_for(lambda: alice.state is AgentState.AVAILABLE, what="wrap-up over")


@pytest.mark.parametrize("hangup_after", [1.0, 1.02, 1.05, 1.1, 1.2])
def test_caller_hangs_up_as_the_agent_answers(sim, desk_factory, hangup_after) -> None:
    """Whichever comes first, the interaction is counted once and nothing stays up or stuck."""
    sim.add_phone("user/1001", PhoneBehavior.answer(after=1.0))
    desk = desk_factory([agent("alice", "user/1001")])
    desk.svc.login("alice", ready=True)
    caller = desk.call(hangup_after=hangup_after)
    wait_for(lambda: terminal(desk, caller), what="counted")
    alice = desk.acd.agents["alice"]
    wait_for(lambda: alice.state is AgentState.AVAILABLE, what="alice free")
    wait_for(lambda: not desk.board.tracker.legs, what="every leg down")
    assert len(terminal(desk, caller)) == 1 and not desk.acd.interactions and not desk.acd.offers


def test_agent_leg_answered_after_we_gave_up_is_hung_up(sim, desk_factory) -> None:
    """A stalled controller stops waiting for the originate's result; when the switch answers
    it later anyway, that agent leg is hung up instead of being left parked forever."""
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    desk = desk_factory([agent("alice", "user/1001")])
    voice, real = desk.voice.media, desk.voice.media.originate
    gave_up: list[str] = []

    class Impatient:  # the job as a stalled controller sees it: its wait times out at once
        def __init__(self, job) -> None:
            self.job = job

        def get(self, timeout=None):
            gave_up.append("yes")
            raise gevent.Timeout(0.01)

        def __getattr__(self, name):
            return getattr(self.job, name)

    voice.originate = lambda *a, **k: Impatient(real(*a, **k))
    seen: set[str] = set()
    desk.board.tracker.subscribe(
        lambda leg, _e: leg.name.startswith("sofia/internal/1001") and seen.add(leg.uuid)
    )
    desk.svc.login("alice", ready=True)
    caller = desk.call()
    wait_for(lambda: refusals(desk, caller), what="refused")
    assert refusals(desk, caller)[0] == "unreachable" and gave_up
    voice.originate = real
    legs = lambda: [desk.board.tracker.get(u) for u in sorted(seen)]  # noqa: E731
    wait_for(lambda: legs() and not any(leg.alive for leg in legs()), timeout=10,
             what="late agent leg hung up")  # fmt: skip
    assert {leg.hangup_cause for leg in legs()} == {"ORIGINATOR_CANCEL"}

"""Restart recovery: a controller stops mid-queue (the switch keeps the parked callers and the
ringing agent leg); a new controller on the same store carries on where it stopped."""

from __future__ import annotations

from tests.integration.dispatch.helpers import wait_for

from calldesk.acd import AgentConfig, AgentState
from calldesk.sim import PhoneBehavior


def agent(aid: str, contact: str) -> AgentConfig:
    return AgentConfig(aid, contact, queues=("sales",))


def answered(desk) -> list[tuple[str, str]]:
    return [
        (e.subject, e.data["agent"]) for e in desk.store.journal.read(kind="interaction.answered")
    ]


def test_waiting_callers_keep_their_places_across_a_restart(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5, hangup_after=2))
    agents = [agent("alice", "user/1001")]
    first = desk_factory(agents)
    first.svc.login("alice", ready=False)
    callers = [first.call(caller_id=f"+1555000{i}") for i in range(3)]
    first.stop()  # the controller dies; the switch keeps the callers parked

    second = desk_factory(agents)
    alice = second.acd.agents["alice"]
    wait_for(lambda: "acd.recovered" in second.kinds("acd"), what="recovered")
    assert alice.state is AgentState.NOT_READY  # agents keep their states
    assert [i for i in second.acd.interactions] == callers
    second.svc.ready("alice")
    wait_for(lambda: len(answered(second)) == 3, timeout=15, what="all three answered")
    assert answered(second) == [(c, "alice") for c in callers]  # in the same order
    assert not any(e.kind == "interaction.abandoned" for e in second.store.journal.read())


def test_an_offer_ringing_during_the_restart_is_picked_up_after_it(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=4.0))
    agents = [agent("alice", "user/1001")]
    first = desk_factory(agents)
    first.svc.login("alice", ready=True)
    caller = first.call()
    wait_for(lambda: any(leg.variables.get("calldesk_role") == "agent"
                         for leg in first.board.tracker.legs.values()), what="ringing")  # fmt: skip
    first.stop()

    second = desk_factory(agents)
    wait_for(lambda: "interaction.bridged" in second.kinds(caller), timeout=10, what="bridged")
    wait_for(lambda: second.board.tracker.legs[caller].bridged_to, what="bridge event")
    assert answered(second) == [(caller, "alice")]
    assert second.acd.agents["alice"].state is AgentState.BUSY
    leg = second.board.tracker.legs[caller]
    assert second.board.tracker.legs[leg.bridged_to].variables["calldesk_role"] == "agent"


def test_callers_that_left_during_the_restart_are_counted_abandoned(sim, desk_factory) -> None:
    agents = [agent("alice", "user/1001")]
    first = desk_factory(agents)
    stays, leaves = first.call(caller_id="+15550001"), first.call(caller_id="+15550002")
    first.stop()
    sim.hangup(leaves)  # no controller hears this

    second = desk_factory(agents)
    wait_for(lambda: leaves not in second.acd.interactions, what="repaired")
    assert stays in second.acd.interactions
    kinds = second.kinds(leaves)
    assert "interaction.abandoned" in kinds and "acd.repair" in kinds

"""What a crash of the controller can no longer split (found by the restart chaos test):

- a hand-off is recorded before `enqueue` returns, so the flow that then journals `enqueued`
  never leaves a caller that a restarted ACD does not know;
- a batch's inputs and the journal entries they made are written in one transaction: before,
  the inputs were committed first, and a crash between the two left a state that replay rebuilt
  but the journal never told (an arrival with no `interaction.arrived`).
"""

from __future__ import annotations

import json

import pytest
from tests.integration.dispatch.helpers import request

from calldesk.acd import AgentConfig
from calldesk.acd import events as ev


def _inputs(desk, kind: str) -> list[dict]:
    rows = desk.store.db.execute("SELECT data FROM acd_inputs WHERE type = ?", [kind]).fetchall()
    return [json.loads(r[0]) for r in rows]


def test_enqueue_returns_once_the_arrival_is_recorded(sim, desk_factory) -> None:
    desk = desk_factory([AgentConfig("alice", "user/1001", queues=("sales",))])
    uuid = sim.inject_call(did="5551000", caller_id="+15550109")
    desk.svc.enqueue(request(uuid, "sales", "+15550109", address=uuid))
    # No wait: what a `kill -9` right after the flow's `enqueued` would find in the store.
    assert [r["interaction"] for r in _inputs(desk, "InteractionArrived")] == [uuid]


def test_a_batch_whose_journal_write_fails_leaves_no_inputs(sim, desk_factory) -> None:
    desk = desk_factory([AgentConfig("alice", "user/1001", queues=("sales",))])
    desk.store.db.execute(
        "CREATE TEMP TRIGGER boom BEFORE INSERT ON journal WHEN NEW.kind = 'agent.login' "
        "BEGIN SELECT RAISE(ABORT, 'disk gone'); END")
    with pytest.raises(Exception, match="disk gone"):
        desk.svc.feed([ev.AgentLogin("alice", True)])
    assert _inputs(desk, "AgentLogin") == []  # both or neither


def test_a_hand_off_of_an_interaction_a_repair_ended_is_dropped(sim, desk_factory) -> None:
    """A flow resumed after a restart re-runs its `enqueue` for a caller the recovery found gone
    and ended: it must not open the interaction again (found by the restart chaos test: two
    `interaction.abandoned` for one caller)."""
    from tests.integration.dispatch.helpers import wait_for

    agents = [AgentConfig("alice", "user/1001", queues=("sales",))]
    first = desk_factory(agents)
    caller = first.call(caller_id="+15550110")
    first.stop()
    sim.hangup(caller)
    second = desk_factory(agents)
    wait_for(lambda: "interaction.abandoned" in second.kinds(caller), what="repaired")
    second.svc.enqueue(request(caller, "sales", "+15550110", address=caller))
    second.svc.post(ev.Tick(), wait=5)  # whatever was in the inbox has been handled
    kinds = second.kinds(caller)
    assert kinds.count("interaction.arrived") == 1 and kinds.count("interaction.abandoned") == 1
    assert caller not in second.acd.interactions

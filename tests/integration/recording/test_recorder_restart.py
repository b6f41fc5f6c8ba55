"""A recording row written just before the controller died, whose `uuid_record start` never
reached the switch (found by the restart chaos test): after the restart the recorder starts it
if the call is still up, and says it never was (`failed`, not `missing`) if the call ended."""

from __future__ import annotations

import time

from tests.integration.recording.simcall import bridged_call, sim_sleep, start_board, wait_for
from tests.integration.recording.test_recorder_sim import env  # noqa: F401 - the fixture

from calldesk.recording import wav
from calldesk.recording.index import Row
from calldesk.recording.policy import PolicySet
from calldesk.recording.recorder import Recorder

POLICIES = PolicySet.from_config({"default": {"mode": "always"}})


def _row_only(rec: Recorder, customer: str, agent: str) -> Row:
    """What `Recorder.start` writes before it sends the command."""
    row = Row("r-lost", "int-1", "2026/lost-int-1.wav", started_at=time.time(),
              legs=[customer, agent], switch="sim1")
    rec.index.insert(row)
    return row


def test_a_start_lost_in_a_restart_is_sent_again_while_the_call_is_up(env) -> None:  # noqa: F811
    sim, board, store, rec, tmp = env
    customer, agent = bridged_call(sim, board)
    row = _row_only(rec, customer, agent)
    board.stop()  # the controller dies before `uuid_record start`
    board2 = start_board(sim)
    try:
        rec2 = Recorder(board2, store, tmp / "rec", POLICIES)
        board2.tracker.subscribe(rec2.on_leg)
        rec2.startup()
        wait_for(lambda: (tmp / "rec" / row.path).exists(), what="started again")
        sim_sleep(sim, 2.0)
        sim.hangup(customer)
        wait_for(lambda: rec2.index.get(row.id).status == "complete", what="settled")
        done = rec2.index.get(row.id)
        path = tmp / "rec" / row.path
        assert done.sha256 == wav.sha256_of(path) and done.duration >= 1.5
        kinds = [e.kind for e in store.journal.read(subject="int-1")]
        assert "recording.adopted" in kinds and "recording.restarted" in kinds
    finally:
        board2.stop()


def test_a_start_lost_in_a_restart_of_a_call_that_ended_is_failed_not_missing(env) -> None:  # noqa: F811
    sim, board, store, rec, tmp = env
    customer, agent = bridged_call(sim, board)
    row = _row_only(rec, customer, agent)
    board.stop()
    sim.hangup(customer)  # while no controller runs
    board2 = start_board(sim)
    try:
        rec2 = Recorder(board2, store, tmp / "rec", POLICIES)
        rec2.startup()
        assert rec2.index.get(row.id).status == "failed"
        [entry] = store.journal.read(subject="int-1", kind="recording.failed")
        assert entry.data["id"] == row.id and "never started" in entry.data["why"]
        assert not list(store.journal.read(subject="int-1", kind="recording.missing"))
    finally:
        board2.stop()

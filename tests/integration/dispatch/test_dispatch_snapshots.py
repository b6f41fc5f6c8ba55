"""Snapshots and compaction over TCP: the controller snapshots the core mid-traffic and deletes
the recorded inputs it covers; a new controller on the same store restores the snapshot, replays
only what came after, and answers the waiting callers in the same order."""

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


def count(desk, table: str) -> int:
    return desk.store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_restart_from_a_snapshot_keeps_waiting_callers_in_order(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5, hangup_after=2))
    agents = [agent("alice", "user/1001")]
    # only explicit compaction here: the automatic triggers are off
    first = desk_factory(agents, snapshot_every_batches=0, snapshot_every_s=0)
    first.svc.login("alice", ready=False)
    callers = [first.call(caller_id=f"+1555000{i}") for i in range(3)]
    before = count(first, "acd_inputs")
    done = first.svc.compact_now(wait=5)
    assert done is not None and done["deleted"] == before > 0
    assert count(first, "acd_inputs") == 0 and count(first, "acd_snapshots") == 1
    callers.append(first.call(caller_id="+15550009"))  # recorded after the snapshot
    assert 0 < count(first, "acd_inputs") < before  # the table shrank
    first.stop()  # the controller dies; the switch keeps the callers parked

    second = desk_factory(agents, snapshot_every_batches=0, snapshot_every_s=0)
    wait_for(lambda: "acd.recovered" in second.kinds("acd"), what="recovered")
    rec = list(second.store.journal.read(kind="acd.recovered"))[-1].data
    assert rec["snapshot_batch"] == done["batch"] and rec["interactions"] == 4
    alice = second.acd.agents["alice"]
    assert alice.state is AgentState.NOT_READY  # agents keep their states
    assert list(second.acd.interactions) == callers
    second.svc.ready("alice")
    wait_for(lambda: len(answered(second)) == 4, timeout=20, what="all four answered")
    assert answered(second) == [(c, "alice") for c in callers]  # in the same order
    assert not any(e.kind == "interaction.abandoned" for e in second.store.journal.read())


def test_snapshots_are_taken_every_n_batches(sim, desk_factory) -> None:
    agents = [agent("alice", "user/1001")]
    desk = desk_factory(agents, snapshot_every_batches=2, snapshot_every_s=0)
    desk.svc.login("alice", ready=False)
    callers = [desk.call(caller_id=f"+1555100{i}") for i in range(4)]

    def snapshot_batch() -> int:
        row = desk.store.db.execute("SELECT max(batch) FROM acd_snapshots").fetchone()
        return row[0] or 0

    # login and 4 arrivals are at least 5 batches: a snapshot at every second one
    wait_for(lambda: snapshot_batch() >= 4, what="a snapshot after the fourth batch")
    assert count(desk, "acd_snapshots") == 1  # only the newest is kept
    batch = snapshot_batch()
    left = desk.store.db.execute("SELECT min(batch) FROM acd_inputs").fetchone()[0]
    assert left is None or left > batch  # inputs up to the snapshot are gone
    desk.stop()

    again = desk_factory(agents, snapshot_every_batches=2, snapshot_every_s=0)
    wait_for(lambda: "acd.recovered" in again.kinds("acd"), what="recovered")
    assert list(again.acd.interactions) == callers

"""Restart mid-flow: the run resumes at its current step, on its version, from a real SQLite file."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from calldesk.ivr.actions import DigitsReceived, HttpResult
from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.persist import RunStore
from calldesk.ivr.runner import Runner
from calldesk.store import Store

from .fakes import Crash, FakePort, crash

FLOWS = Path(__file__).parents[3] / "ivrflows"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def controller(db_path: Path, flows_dir: Path) -> tuple[Runner, RunStore, FlowLibrary]:
    """What the composition root builds at start-up: store, run store, library, runner."""
    store = Store.open(db_path)
    runs = RunStore(store.db, store.journal, clock=lambda: 1000.0)
    lib = FlowLibrary(flows_dir, archive=runs)
    assert lib.poll() == []
    http = ScriptedHttp({"https://core.bank.example/": HttpResult(200, {"amount": "10"})})
    runner = Runner(lib, lambda: NOW, http, MemoryContexts(), CollectingHandoff(), runs)
    return runner, runs, lib


def test_restart_mid_flow_resumes_at_the_current_step_on_the_same_version(tmp_path: Path):
    flows = tmp_path / "ivrflows"
    shutil.copytree(FLOWS, flows)
    db = tmp_path / "calldesk.sqlite"
    runner, runs, lib = controller(db, flows)
    v1 = lib.get("bank").version
    port = FakePort([DigitsReceived("1"), DigitsReceived("79927398713", "#"), crash()])
    with pytest.raises(Crash):  # the controller dies as the balance is about to be read out
        runner.start(lib.get("bank"), port, interaction_id="leg-1", caller={"id": "+1555"})
    runs.db.conn.close()

    # The operator edits the flow while the controller is down.
    text = (flows / "bank.yaml").read_text().replace("Welcome to Example Bank.", "Hi!")
    (flows / "bank.yaml").write_text(text)

    runner, runs, lib = controller(db, flows)
    assert lib.get("bank").version != v1
    (state,) = runs.active()
    assert (state.interaction_id, state.step, state.version) == ("leg-1", "say_balance", v1)
    assert state.variables["balance"] == {"amount": "10"} and state.language == "en"

    port = FakePort([DigitsReceived("2"), DigitsReceived("1")])
    out = runner.resume(state, port)
    assert out.status == "enqueued"
    # Resumed at say_balance (not from the start), with the looked-up balance still known.
    assert port.kinds()[:3] == ["play", "say", "collect"]
    assert port.calls[0][1].prompts[0].text == "Your available balance is"
    assert port.calls[1][1].value == "10"
    req = runner.handoff.requests[0]
    assert req.queue == "billing" and req.flow_version == v1
    assert runs.active() == [] and runs.status("leg-1") == "enqueued"


def test_journal_records_each_transition_with_masked_pci(tmp_path: Path):
    runner, runs, lib = controller(tmp_path / "c.sqlite", FLOWS)
    port = FakePort(
        [
            DigitsReceived("1"),
            DigitsReceived("79927398713", "#"),
            DigitsReceived("0"),
            DigitsReceived("1"),
        ]
    )
    runner.start(lib.get("bank"), port, interaction_id="leg-2")
    rows = list(runs.db["journal"].rows_where("subject = ?", ["leg-2"], order_by="id"))
    kinds = [r["kind"] for r in rows]
    assert kinds[0] == "ivr.started" and kinds[-1] == "ivr.finished"
    assert kinds.count("ivr.step") == len(runner.handoff.requests[0].path) - 1
    assert not any("79927398713" in r["data"] for r in rows)


def test_run_store_works_on_a_bare_database(tmp_path: Path):
    import sqlite_utils

    runs = RunStore(sqlite_utils.Database(tmp_path / "bare.sqlite"))
    assert runs.active() == [] and runs.load("nope") is None


def test_the_first_command_waits_until_the_runs_start_is_committed(tmp_path: Path):
    """Under the group commit (serve), the run's start (and its interaction) is committed before
    the flow's first command reaches the switch, though the group would commit it only later:
    killed in between, a restart would find a leg that left the park with no run stored."""
    import sqlite3

    import gevent

    from calldesk.store.tx import GroupCommit

    flows = tmp_path / "ivrflows"
    shutil.copytree(FLOWS, flows)
    db = tmp_path / "calldesk.sqlite"
    runner, runs, lib = controller(db, flows)
    group = GroupCommit(runs.db.conn, gevent.spawn, later=gevent.spawn_later, linger_s=0.2)
    reader = sqlite3.connect(db, isolation_level=None)
    seen: list[int] = []

    def first_command() -> None:  # what another process sees as the first prompt goes out
        seen.append(reader.execute("SELECT count(*) FROM ivr_runs").fetchone()[0])

    try:
        port = FakePort([first_command])
        runner.start(lib.get("bank"), port, interaction_id="leg-1", caller={"id": "+1555"})
        assert seen == [1]
    finally:
        group.close()
        reader.close()


@pytest.mark.parametrize("bare", [False, True])
def test_the_newest_run_on_a_leg_is_read_in_index_order_without_a_sort(tmp_path: Path, bare: bool):
    """`status_at` runs once per arriving call: its plan walks an index, with no temporary
    B-tree to sort the leg's runs (the index on address alone sorted them every time)."""
    import sqlite_utils

    if bare:  # `ensure_tables` on a database no migration ran on
        db = sqlite_utils.Database(tmp_path / "bare.sqlite")
    else:
        db = Store.open(tmp_path / "calldesk.sqlite").db
    runs = RunStore(db)
    asked: list[str] = []
    db.conn.set_trace_callback(asked.append)
    assert runs.status_at("leg-1") is None
    db.conn.set_trace_callback(None)
    query = next(q for q in asked if "FROM ivr_runs" in q)
    plan = " ".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + query).fetchall())
    assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, plan

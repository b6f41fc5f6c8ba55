"""A caller's interaction and its IVR run are committed together under group commit: a crash
never leaves an interaction row whose run was never saved (nobody would own it after a restart:
seen once in CI's restart chaos test)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent
import gevent.event
from tests.unit.store.test_group_commit import Ticks

from calldesk.interactions import Interactions
from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.persist import RunStore
from calldesk.ivr.runner import Runner
from calldesk.ivr.service import IvrService
from calldesk.ivr.state import RunState
from calldesk.store import Store
from calldesk.store.tx import GroupCommit

FLOW = """flow: hello
bindings: {numbers: ['5550000']}
entry: greet
steps:
  greet: {kind: play, prompt: "Hello", next: q}
  q: {kind: enqueue, queue: general}
"""


class HeldPort:
    """A leg whose first prompt never ends (the run waits on the switch)."""

    medium = "voice"
    gone = False

    def __init__(self) -> None:
        self.playing = gevent.event.Event()

    def play(self, action: Any) -> Any:
        self.playing.set()
        gevent.sleep(3600)


class Park:
    name = "CHANNEL_PARK"

    def __init__(self, uuid: str) -> None:
        self.uuid = uuid
        self.headers = {"Caller-Caller-ID-Number": "+15550101",
                        "Caller-Destination-Number": "5550000"}

    def get(self, key: str, default: Any = None) -> Any:
        return self.headers.get(key, default)


def committed(path: Path) -> tuple[int, int]:
    """(interactions, runs) another process would see."""
    other = sqlite3.connect(path)
    try:
        return (other.execute("SELECT count(*) FROM interactions").fetchone()[0],
                other.execute("SELECT count(*) FROM ivr_runs").fetchone()[0])
    finally:
        other.close()


@dataclass
class Site:
    path: Path
    store: Store
    ticks: Ticks
    group: GroupCommit
    handoff: CollectingHandoff
    port: HeldPort
    service: IvrService

    def close(self) -> None:
        for g in list(self.service.active.values()):
            g.kill()
        self.group.close()
        self.store.db.conn.close()


def _site(tmp_path: Path, flow: str) -> Site:
    """An IVR service on a store under group commit, its ticks run by hand."""
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "hello.yaml").write_text(flow)
    path = tmp_path / "calldesk.sqlite"
    store = Store.open(path)
    ticks = Ticks()
    group = GroupCommit(store.db.conn, ticks.schedule)
    runs = RunStore(store.db, store.journal, clock=lambda: 1000.0)
    library = FlowLibrary(flows, archive=runs)
    assert library.poll() == []
    handoff = CollectingHandoff()
    runner = Runner(library, lambda: None, ScriptedHttp({}), MemoryContexts(), handoff, runs)
    port = HeldPort()
    service = IvrService(object(), library, runner, runs, wrap_port=lambda _leg: port,
                         interactions=Interactions(store.db), clock=lambda: 1000.0)
    return Site(path, store, ticks, group, handoff, port, service)


def test_the_interaction_row_never_commits_without_its_run(tmp_path: Path) -> None:
    site = _site(tmp_path, FLOW)
    try:
        site.service.on_park(None, Park("leg-1"))
        site.ticks.run()  # a tick ends (and its commit runs) before the run's greenlet starts
        assert committed(site.path) == (0, 0)
        assert site.port.playing.wait(5)  # the run started and waits on its first prompt
        assert committed(site.path) == (1, 1)  # committed together before that prompt went out
    finally:
        site.close()


ENQUEUE_ONLY = """flow: hello
bindings: {numbers: ['5550000']}
entry: q
steps:
  q: {kind: enqueue, queue: general}
"""


def test_a_flow_that_only_enqueues_rides_the_next_group_commit(tmp_path: Path) -> None:
    """No effect reaches the switch before the ACD's own commit, so the run's start needs no
    commit of its own (one fewer per call): its rows wait, together, for the group's."""
    site = _site(tmp_path, ENQUEUE_ONLY)
    try:
        site.service.on_park(None, Park("leg-1"))
        site.ticks.run()
        assert site.service.wait("leg-1", 5).status == "enqueued"
        assert len(site.handoff.requests) == 1 and not site.port.playing.is_set()
        assert committed(site.path) == (0, 0)  # no commit of the run's own
        site.ticks.run()  # the group's commit (in serve, the engine's step comes first)
        assert committed(site.path) == (1, 1)
    finally:
        site.close()


def test_a_start_the_group_committed_needs_no_commit_at_settle(tmp_path: Path) -> None:
    """Once the group commit carried a run's start, `settle` commits nothing more, and the
    store forgets the run: a run that raised before it settled or finished was kept for good."""
    site = _site(tmp_path, ENQUEUE_ONLY)
    try:
        runs = site.service.runs
        flow = site.service.library.get("hello")
        state = RunState("i-1", "hello", flow.version, "q", address="leg-1")
        runs.started(state, flow)
        assert committed(site.path) == (0, 0)  # waiting for the group's commit
        site.ticks.run()  # the group's commit carries the start
        assert committed(site.path)[1] == 1
        assert not runs._unsettled  # forgotten once committed, settled or not
        commits = site.group.commits
        runs.settle(state)
        assert site.group.commits == commits  # no commit of its own: nothing was waiting
    finally:
        site.close()

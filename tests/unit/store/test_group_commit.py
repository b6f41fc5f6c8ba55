"""Group commit (store.tx): deferred blocks share one COMMIT per loop tick, and stay all or
nothing each; an ordinary block or `durable` commits them at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from calldesk.store.tx import GroupCommit, after_commit, durable, transaction


@pytest.fixture
def conns(tmp_path: Path):
    path = tmp_path / "g.sqlite"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (v INTEGER)")
    reader = sqlite3.connect(path, isolation_level=None)
    yield writer, reader
    writer.close()
    reader.close()


def seen(reader: sqlite3.Connection) -> list[int]:
    """What another connection (another process) sees: only committed rows."""
    return [v for (v,) in reader.execute("SELECT v FROM t ORDER BY rowid")]


class Ticks:
    """The loop's callbacks, run by hand."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def schedule(self, fn: Callable[[], None]) -> None:
        self.pending.append(fn)

    def run(self) -> None:
        todo, self.pending = self.pending, []
        for fn in todo:
            fn()


@pytest.fixture
def grouped(conns):
    """The writer under group commit, its ticks run by hand; closed after the test."""
    writer, reader = conns
    ticks = Ticks()
    group = GroupCommit(writer, ticks.schedule)
    yield writer, reader, ticks, group
    group.close()


def test_without_a_group_a_deferred_block_commits_at_once(conns) -> None:
    writer, reader = conns
    with transaction(writer, defer=True):
        writer.execute("INSERT INTO t VALUES (1)")
    assert seen(reader) == [1]


def test_deferred_blocks_share_one_commit_at_the_end_of_the_tick(grouped) -> None:
    writer, reader, ticks, group = grouped
    for v in (1, 2, 3):
        with transaction(writer, defer=True):
            writer.execute("INSERT INTO t VALUES (?)", [v])
    assert seen(reader) == []  # not yet committed
    assert len(ticks.pending) == 1  # one commit scheduled for the three
    ticks.run()
    assert seen(reader) == [1, 2, 3]
    assert group.commits == 1


def test_a_failed_block_rolls_back_only_itself(grouped) -> None:
    writer, reader, ticks, group = grouped
    with transaction(writer, defer=True):
        writer.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(RuntimeError), transaction(writer, defer=True):
        writer.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("boom")
    with transaction(writer, defer=True):
        writer.execute("INSERT INTO t VALUES (3)")
    ticks.run()
    assert seen(reader) == [1, 3]


def test_an_ordinary_block_commits_the_deferred_ones_before_it(grouped) -> None:
    writer, reader, ticks, group = grouped
    with transaction(writer, defer=True):
        writer.execute("INSERT INTO t VALUES (1)")
    with transaction(writer):
        writer.execute("INSERT INTO t VALUES (2)")
    assert seen(reader) == [1, 2]  # durable when the ordinary block returns
    ticks.run()  # nothing left to commit
    assert seen(reader) == [1, 2] and not writer.in_transaction


def test_durable_commits_bare_statements_written_after_a_deferred_block(grouped) -> None:
    writer, reader, ticks, group = grouped
    with transaction(writer, defer=True):
        writer.execute("INSERT INTO t VALUES (1)")
    writer.execute("INSERT INTO t VALUES (2)")  # joins the open transaction
    assert seen(reader) == []
    durable(writer)  # e.g. a message store before its acknowledgement
    assert seen(reader) == [1, 2]


def test_a_nested_block_joins_the_outer_one(grouped) -> None:
    writer, reader, ticks, group = grouped
    with pytest.raises(RuntimeError), transaction(writer):
        writer.execute("INSERT INTO t VALUES (1)")
        with transaction(writer, defer=True):
            writer.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("the outer block fails: both go")
    ticks.run()
    assert seen(reader) == []


def test_close_commits_what_is_pending(conns) -> None:
    writer, reader = conns
    ticks = Ticks()
    group = GroupCommit(writer, ticks.schedule)
    with transaction(writer, defer=True):
        writer.execute("INSERT INTO t VALUES (1)")
    group.close()  # at stop: nothing deferred is left behind
    assert seen(reader) == [1]
    with transaction(writer, defer=True):  # no group any more: commits at once
        writer.execute("INSERT INTO t VALUES (2)")
    assert seen(reader) == [1, 2]


def test_code_that_begins_by_hand_runs_after_a_deferred_block(tmp_path: Path) -> None:
    """Flow contexts (and merges, erasures, reports, the dialer) BEGIN IMMEDIATE by hand: a
    deferred block still open must be committed first, not fail with 'cannot start a
    transaction within a transaction' (found by the demo: the IVR's `set` step on a context)."""
    from calldesk.customers.contexts import SqliteContexts
    from calldesk.store import Store

    store = Store.open(tmp_path / "c.sqlite")
    ticks = Ticks()
    group = GroupCommit(store.db.conn, ticks.schedule)
    try:
        with transaction(store.db.conn, defer=True):
            store.db.conn.execute("CREATE TABLE t (v INTEGER)")
        contexts = SqliteContexts(store, clock=lambda: 1.0)
        contexts.write("case:1", {"topic": "billing"})
        assert contexts.read("case:1")["topic"] == "billing"
    finally:
        group.close()
        store.close()


def test_a_journal_note_waits_for_the_tick_and_is_published_once(tmp_path: Path) -> None:
    """`Journal.note` writes in the tick's group commit (no commit of its own) and publishes
    the entry with its sequence number."""
    from calldesk.store import Store

    store = Store.open(tmp_path / "s.sqlite")
    reader = sqlite3.connect(tmp_path / "s.sqlite", isolation_level=None)
    published = []

    class Sink:
        def publish(self, entries) -> None:
            published.extend(entries)

    store.journal.notifier = Sink()
    ticks = Ticks()
    group = GroupCommit(store.db.conn, ticks.schedule)
    store.journal.note("interaction.bridged", "i-1", {"caller": "leg-1"}, 10.0)
    assert reader.execute("SELECT count(*) FROM journal").fetchone()[0] == 0
    assert published == []  # its sequence number leaves the process only once committed
    ticks.run()
    rows = reader.execute("SELECT id, kind, subject FROM journal").fetchall()
    assert rows == [(published[0].id, "interaction.bridged", "i-1")] and len(published) == 1
    assert group.commits == 1
    group.close()
    reader.close()
    store.close()


def test_after_commit_waits_for_the_commit_that_covers_what_was_written(grouped) -> None:
    """A hook sees, from another connection, everything written before it was asked for."""
    writer, reader, ticks, group = grouped
    saw: list[list[int]] = []
    after_commit(writer, lambda: saw.append(seen(reader)))  # nothing waits: at once
    assert saw == [[]]
    with transaction(writer, defer=True):
        writer.execute("INSERT INTO t VALUES (1)")
    after_commit(writer, lambda: saw.append(seen(reader)))
    assert saw == [[]]  # not yet: the row is not committed
    ticks.run()
    assert saw == [[], [1]]


def test_after_commit_hooks_run_in_the_order_asked_across_commits(grouped) -> None:
    writer, reader, ticks, group = grouped
    order: list[str] = []
    with transaction(writer, defer=True):
        writer.execute("INSERT INTO t VALUES (1)")
    after_commit(writer, lambda: order.append("deferred"))
    with transaction(writer):  # an ordinary block commits both: the older hook runs first
        writer.execute("INSERT INTO t VALUES (2)")
    after_commit(writer, lambda: order.append("ordinary"))
    assert order == ["deferred", "ordinary"]
    ticks.run()
    assert order == ["deferred", "ordinary"]


def test_a_hook_asked_inside_a_failed_block_is_dropped_with_it(grouped) -> None:
    """What a rolled-back block asked to publish never runs: its rows are gone."""
    writer, reader, ticks, group = grouped
    ran: list[int] = []
    with transaction(writer, defer=True):
        writer.execute("INSERT INTO t VALUES (1)")
        after_commit(writer, lambda: ran.append(1))
    with pytest.raises(RuntimeError), transaction(writer, defer=True):
        writer.execute("INSERT INTO t VALUES (2)")
        after_commit(writer, lambda: ran.append(2))
        raise RuntimeError("boom")
    ticks.run()
    assert seen(reader) == [1] and ran == [1]


class Flaky(sqlite3.Connection):
    """A connection whose next COMMIT fails once (a full disk, say)."""

    fail = False

    def commit(self) -> None:
        if self.fail:
            self.fail = False
            raise sqlite3.OperationalError("disk I/O error")
        super().commit()


def test_a_failed_commit_keeps_its_hooks_until_a_commit_succeeds(tmp_path: Path) -> None:
    writer = sqlite3.connect(tmp_path / "f.sqlite", isolation_level=None, factory=Flaky)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (v INTEGER)")
    reader = sqlite3.connect(tmp_path / "f.sqlite", isolation_level=None)
    ticks = Ticks()
    group = GroupCommit(writer, ticks.schedule)
    ran: list[int] = []
    try:
        with transaction(writer, defer=True):
            writer.execute("INSERT INTO t VALUES (1)")
        after_commit(writer, lambda: ran.append(1))
        writer.fail = True
        ticks.run()
        assert ran == [] and seen(reader) == []  # nothing published of what is not durable
        ticks.run()  # the retry the failed flush scheduled
        assert ran == [1] and seen(reader) == [1]
    finally:
        group.close()
        writer.close()
        reader.close()


def test_with_a_linger_the_commit_waits_for_later_and_serves_several_ticks(conns) -> None:
    writer, reader = conns
    ticks, later = Ticks(), Ticks()
    delays: list[float] = []

    def schedule_later(secs: float, fn: Callable[[], None]) -> None:
        delays.append(secs)
        later.schedule(fn)

    group = GroupCommit(writer, ticks.schedule, later=schedule_later, linger_s=0.005)
    try:
        for v in (1, 2, 3):
            with transaction(writer, defer=True):
                writer.execute("INSERT INTO t VALUES (?)", [v])
            ticks.run()  # the loop's ticks pass: nothing is committed yet
        assert seen(reader) == [] and delays == [0.005]
        later.run()
        assert seen(reader) == [1, 2, 3] and group.commits == 1
    finally:
        group.close()


def test_journal_reads_commit_first_so_no_id_is_handed_out_uncommitted(tmp_path: Path) -> None:
    """A reader that hands ids out (a push `since` replay) never sees an uncommitted row; the
    customers follower's read in process (`settle=False`) commits nothing."""
    from calldesk.store import Store

    store = Store.open(tmp_path / "r.sqlite")
    reader = sqlite3.connect(tmp_path / "r.sqlite", isolation_level=None)
    ticks = Ticks()
    group = GroupCommit(store.db.conn, ticks.schedule)
    try:
        store.journal.note("ivr.started", "i-1", {}, 1.0)
        assert [e.kind for e in store.journal.read(subject="i-1", settle=False)] == ["ivr.started"]
        assert reader.execute("SELECT count(*) FROM journal").fetchone()[0] == 0
        assert [e.kind for e in store.journal.read(subject="i-1")] == ["ivr.started"]
        assert reader.execute("SELECT count(*) FROM journal").fetchone()[0] == 1
    finally:
        group.close()
        reader.close()
        store.close()


def test_journal_rows_get_the_ids_they_were_published_with(tmp_path: Path) -> None:
    """One multi-row INSERT per 200 rows: the ids handed to the notifier are the rows' own."""
    from calldesk.store import Store

    store = Store.open(tmp_path / "w.sqlite")
    try:
        store.journal.append("x.first", "s", {}, 1.0)
        rows = [("x.many", f"s{i}", {"i": i}, 2.0) for i in range(450)]
        with transaction(store.db.conn):
            written = store.journal.write_many(rows)
        stored = {e.id: (e.subject, e.data) for e in store.journal.read(kind="x.many")}
        assert [(e.subject, e.data) for e in written] == [stored[e.id] for e in written]
        assert len(stored) == 450 and written[0].id == 2
    finally:
        store.close()


def test_kind_prefix_is_a_prefix_not_a_pattern(tmp_path: Path) -> None:
    from calldesk.store import Store

    store = Store.open(tmp_path / "k.sqlite")
    try:
        for kind in ("leg.hangup_complete", "leg.hangupXcomplete", "ivr.started", "IVR.loud"):
            store.journal.append(kind, "s", {}, 1.0)
        assert [e.kind for e in store.journal.read(kind_prefix="leg.hangup_")] == [
            "leg.hangup_complete"]
        assert [e.kind for e in store.journal.read(kind_prefix="ivr.")] == ["ivr.started"]
    finally:
        store.close()


def test_a_commit_in_between_leaves_one_scheduled_commit_outstanding(conns) -> None:
    """`durable` (the engine's step) commits early; the group's scheduled commit stays the one
    outstanding, so the group still commits at most once per linger (it scheduled one more
    each time, and commits piled up)."""
    writer, reader = conns
    ticks, later = Ticks(), Ticks()
    group = GroupCommit(writer, ticks.schedule, later=lambda s, fn: later.schedule(fn),
                        linger_s=0.01)
    try:
        for v in (1, 2, 3):
            with transaction(writer, defer=True):
                writer.execute("INSERT INTO t VALUES (?)", [v])
            durable(writer)
        with transaction(writer, defer=True):
            writer.execute("INSERT INTO t VALUES (4)")
        assert len(later.pending) == 1
        later.run()
        assert seen(reader) == [1, 2, 3, 4] and group.commits == 4
    finally:
        group.close()

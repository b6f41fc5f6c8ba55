"""Group commit (store.tx): deferred blocks share one COMMIT per loop tick, and stay all or
nothing each; an ordinary block or `durable` commits them at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from calldesk.store.tx import GroupCommit, durable, transaction


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
    ticks.run()
    rows = reader.execute("SELECT id, kind, subject FROM journal").fetchall()
    assert rows == [(published[0].id, "interaction.bridged", "i-1")] and len(published) == 1
    assert group.commits == 1
    group.close()
    reader.close()
    store.close()

"""BatchWriter on a real SQLite store: order kept, batched, bounded, nothing dropped on a failed
commit, a crashed writer or a stop."""

from __future__ import annotations

import gevent
import pytest
from tests.eventually import eventually

from calldesk.notify import Notifier
from calldesk.store import Store
from calldesk.store.batch import BatchWriter


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "calldesk.sqlite")
    yield s
    s.close()


def _subjects(store: Store) -> list[str]:
    return [e.subject for e in store.journal.read(kind_prefix="leg.")]


class FailingOnce:
    """The journal, except that its first `append_many` fails before committing anything."""

    def __init__(self, journal) -> None:
        self.journal, self.failed = journal, False

    def append_many(self, entries, *, defer: bool = False) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("disk I/O error")
        self.journal.append_many(entries, defer=defer)


def test_rows_are_committed_in_order_in_few_transactions(store) -> None:
    seen: list[int] = []
    store.journal.notifier = Notifier()
    store.journal.notifier.subscribe(lambda e: seen.append(e.id))
    writer = BatchWriter(store.journal).start()
    for i in range(300):
        writer.append("leg.create", f"leg-{i:03d}", {"n": i}, at=float(i))
    assert _subjects(store) == []  # queued, not written by the appender
    eventually(lambda: writer.pending == 0, "the writer committed the queue")
    assert _subjects(store) == [f"leg-{i:03d}" for i in range(300)]
    assert writer.batches < 300  # not one transaction per row
    assert seen == sorted(seen) and len(seen) == 300  # published after commit, in order
    writer.stop()


def test_stop_commits_everything_still_queued(store) -> None:
    writer = BatchWriter(store.journal, linger_s=10.0).start()  # the writer would wait long
    gevent.sleep(0)
    for i in range(50):
        writer.append("leg.answer", f"leg-{i}", {}, at=1.0)
    writer.stop()
    assert _subjects(store) == [f"leg-{i}" for i in range(50)] and writer.pending == 0


def test_a_failed_commit_keeps_its_rows_and_retries_them_in_order(store) -> None:
    writer = BatchWriter(FailingOnce(store.journal), retry_s=0.01).start()
    for i in range(20):
        writer.append("leg.bridge", f"leg-{i}", {}, at=1.0)
    eventually(lambda: writer.pending == 0, "the retried batch committed")
    assert writer.failures == 1
    assert _subjects(store) == [f"leg-{i}" for i in range(20)]  # once each, in order
    writer.stop()


def test_a_crashed_writer_loses_nothing(store) -> None:
    writer = BatchWriter(store.journal, linger_s=10.0).start()
    gevent.sleep(0)
    writer.append("leg.create", "before", {}, at=1.0)
    assert writer._writer is not None
    writer._writer.kill(RuntimeError("writer crashed"))  # dies while rows are queued
    writer.append("leg.create", "after", {}, at=2.0)
    writer.stop()
    assert _subjects(store) == ["before", "after"]


def test_a_full_queue_is_committed_by_the_appender(store) -> None:
    writer = BatchWriter(store.journal, max_pending=10)  # no writer greenlet at all
    for i in range(25):
        writer.append("leg.hangup_complete", f"leg-{i:02d}", {}, at=1.0)
    assert writer.pending == 5  # two full queues were committed inline, nothing dropped
    assert _subjects(store) == [f"leg-{i:02d}" for i in range(20)]
    writer.stop()
    assert _subjects(store) == [f"leg-{i:02d}" for i in range(25)]


def test_stop_raises_when_the_last_commit_fails_and_keeps_the_rows(store) -> None:
    writer = BatchWriter(FailingOnce(store.journal))
    writer.append("leg.create", "kept", {}, at=1.0)
    with pytest.raises(RuntimeError):
        writer.stop()
    assert writer.pending == 1 and _subjects(store) == []
    writer.flush()
    assert _subjects(store) == ["kept"]


def test_deferred_batches_join_the_group_commit_and_are_published_after_it(store, tmp_path):
    """`defer=True`: a batch is written in the group's open transaction (no COMMIT of its own);
    another connection sees it, and the notifier publishes it, only once the group commits."""
    import sqlite3

    from calldesk.store.tx import GroupCommit

    reader = sqlite3.connect(tmp_path / "calldesk.sqlite", isolation_level=None)
    notifier = Notifier()
    store.journal.notifier = notifier
    got: list[str] = []
    notifier.subscribe(lambda e: got.append(e.subject))
    ticks: list = []
    group = GroupCommit(store.db.conn, ticks.append)
    writer = BatchWriter(store.journal, linger_s=0, defer=True)
    try:
        for n in range(3):
            writer.append("leg.create", f"l{n}", {}, float(n))
        assert writer.flush() == 3 and writer.pending == 0
        assert reader.execute("SELECT count(*) FROM journal").fetchone()[0] == 0
        assert got == [] and group.commits == 0
        for fn in ticks:  # the loop's turn: one commit for the batch
            fn()
        assert reader.execute("SELECT count(*) FROM journal").fetchone()[0] == 3
        assert got == ["l0", "l1", "l2"] and group.commits == 1
    finally:
        group.close()
        reader.close()

"""WAL checkpoints in a pool thread (store.checkpoint): the loop's connection no longer
checkpoints inside a COMMIT, the log is checked in in the background, and stop hands the
checkpoints back to SQLite."""

from __future__ import annotations

import gevent

from calldesk.store import Store
from calldesk.store.checkpoint import Checkpointer


def test_checkpoints_run_in_the_background_and_stop_restores_sqlites_own(tmp_path) -> None:
    path = tmp_path / "s.sqlite"
    store = Store.open(path)
    cp = Checkpointer(store.db.conn, str(path), every_s=0.05).start()
    assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    for i in range(3000):  # ~3,000 commits: well past SQLite's 1,000-page trigger
        store.journal.append("test.row", f"s-{i}", {"i": i, "pad": "x" * 200}, float(i))
    with gevent.Timeout(10, AssertionError("no background checkpoint ran")):
        while cp.copied < 500:  # the log's pages copied into the file by the pool thread
            gevent.sleep(0.01)
    assert store.journal.count("test.row") == 3000
    cp.stop()
    assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    store.close()
    assert Store.open(path).journal.count("test.row") == 3000


def test_an_in_memory_store_has_nothing_to_checkpoint() -> None:
    store = Store.open(":memory:")
    cp = Checkpointer(store.db.conn, ":memory:").start()
    assert cp.checkpoints == 0
    cp.stop()
    store.close()


def test_stop_while_a_checkpoint_runs_in_the_pool_thread_is_safe(tmp_path) -> None:
    """Killing the greenlet does not stop its pool thread: stop waits for that checkpoint
    before closing the connection under it (closing it mid-checkpoint crashed the process)."""
    path = tmp_path / "s.sqlite"
    store = Store.open(path)
    for round_ in range(40):
        cp = Checkpointer(store.db.conn, str(path), every_s=0.0).start()
        for i in range(50):
            store.journal.append("test.row", f"s-{round_}-{i}", {"pad": "x" * 500}, float(i))
        gevent.sleep(0.002)  # a checkpoint is likely under way in the pool thread
        cp.stop()
    assert store.journal.count("test.row") == 40 * 50
    store.close()


def test_the_log_starts_over_under_back_to_back_transactions(tmp_path) -> None:
    """A transaction is open almost all the time (the group commit lingers): SQLite never found
    the log fully checkpointed when a write began, and the file grew without end (16 MB here,
    370 MB in 30 s of `bench inbound`). Right after a commit (as the group commit calls it),
    the checkpointer lets the next write start the log over, and the file is cut back."""
    import os

    path = tmp_path / "s.sqlite"
    store = Store.open(path)
    cp = Checkpointer(store.db.conn, str(path), every_s=0.02, restart_pages=512,
                      size_limit=1 << 20).start()
    conn, n = store.db.conn, 0
    for _ in range(400):
        conn.execute("BEGIN")
        for _ in range(20):
            n += 1
            conn.execute("INSERT INTO journal (at, kind, subject, data) VALUES (?, ?, ?, ?)",
                         [float(n), "test.row", f"s-{n % 997}", "x" * 300])
        gevent.sleep(0.004)  # the transaction stays open while the loop runs others
        conn.execute("COMMIT")
        cp.after_commit()  # what GroupCommit(on_commit=...) calls after each of its commits
    assert cp.restarts >= 1
    assert os.path.getsize(f"{path}-wal") < 8 << 20
    assert store.journal.count("test.row") == 8000
    cp.stop()
    store.close()


def test_the_group_commit_calls_back_after_each_of_its_commits(tmp_path) -> None:
    from calldesk.store.tx import GroupCommit, durable, transaction

    store = Store.open(tmp_path / "s.sqlite")
    calls: list[bool] = []
    group = GroupCommit(store.db.conn, gevent.spawn,
                        on_commit=lambda: calls.append(store.db.conn.in_transaction))
    with transaction(store.db.conn, defer=True):
        store.journal.write_many([("test.row", "s", {}, 1.0)])
    durable(store.db.conn)
    with transaction(store.db.conn):  # an ordinary block commits at once
        store.journal.write_many([("test.row", "s", {}, 2.0)])
    assert calls == [False, False]  # twice, each with no transaction open
    group.close()
    store.close()

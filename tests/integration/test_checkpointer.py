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

"""The store on real SQLite files: WAL, migrations once, and an append-only journal."""

from __future__ import annotations

import sqlite3

import pytest

from calldesk.store import Store


def test_wal_and_migrations_apply_once(tmp_path) -> None:
    path = tmp_path / "db" / "calldesk.sqlite"
    store = Store.open(path)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.applied()[:2] == ["001_journal", "002_switch_state"]
    store.close()
    again = Store.open(path)
    assert again.migrate() == []


def test_new_migration_is_applied_in_order(tmp_path) -> None:
    store = Store.open(tmp_path / "a.sqlite")
    ran = store.migrate([("900_extra", lambda db: db["extra"].create({"x": int}))])
    assert ran == ["900_extra"] and "extra" in store.db.table_names()


def test_failed_migration_rolls_back(tmp_path) -> None:
    store = Store.open(tmp_path / "a.sqlite")

    def broken(db) -> None:
        db["half"].create({"x": int})
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.migrate([("901_broken", broken)])
    assert "half" not in store.db.table_names()
    assert "901_broken" not in store.applied()


def test_journal_is_append_only(tmp_path) -> None:
    store = Store.open(tmp_path / "a.sqlite")
    first = store.journal.append("interaction.arrived", "i-1", {"queue": "sales"}, at=10.0)
    store.journal.append_many([("agent.state", "a-1", {"state": "available"}, 11.0)])
    entries = list(store.journal.read())
    assert [e.kind for e in entries] == ["interaction.arrived", "agent.state"]
    assert entries[0].id == first and entries[0].data == {"queue": "sales"}
    assert [e.subject for e in store.journal.read(kind_prefix="agent.")] == ["a-1"]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("UPDATE journal SET kind = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("DELETE FROM journal")
    assert store.journal.count() == 2


def test_journal_survives_reopen(tmp_path) -> None:
    path = tmp_path / "a.sqlite"
    store = Store.open(path)
    store.journal.append("k", "s", {}, at=1.0)
    store.close()
    assert Store.open(path).journal.count("k") == 1

"""Retention purges by policy days with one journal entry each; legal hold blocks it. Access is
role-checked and journaled."""

from __future__ import annotations

from pathlib import Path

import pytest

from calldesk.auth import Directory, PermissionDenied
from calldesk.recording import wav
from calldesk.recording.access import RecordingAccess, RecordingNotFound
from calldesk.recording.index import RecordingIndex, Row
from calldesk.recording.retention import DAY, purge_due
from calldesk.store import Store

DIRECTORY = Directory.from_config(
    users=[
        {"id": "boss", "role": "admin"},
        {"id": "sup1", "role": "supervisor", "teams": ["red"]},
        {"id": "sup2", "role": "supervisor"},
        {"id": "a1", "role": "agent", "teams": ["red"]},
        {"id": "a2", "role": "agent"},
    ],
    teams=[{"id": "red", "agents": ["a1"], "queues": ["sales"]},
           {"id": "blue", "agents": ["a2"], "supervisors": ["sup2"]}],
)  # fmt: skip


@pytest.fixture
def env(tmp_path: Path):
    store = Store.open(tmp_path / "db.sqlite")
    index = RecordingIndex(store.db)
    for rid, agent, queue, days, at in (("old", "a1", "sales", 30, 0.0), ("new", "a1", "sales", 30, 29 * DAY),
                                       ("held", "a2", "support", 30, 0.0), ("keep", "a2", "support", None, 0.0),
                                       ("q", None, "sales", 30, 40 * DAY)):  # fmt: skip
        (tmp_path / f"{rid}.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVE")
        index.insert(Row(rid, f"i-{rid}", f"{rid}.wav", started_at=at, status="complete",
                         agent=agent, queue=queue, retention_days=days,
                         sha256=wav.sha256_of(tmp_path / f"{rid}.wav")))  # fmt: skip
    access = RecordingAccess(index, DIRECTORY, store.journal, tmp_path)
    yield store, index, access, tmp_path
    store.close()


def test_purge_after_n_days_with_legal_hold(env) -> None:
    store, index, access, base = env
    access.set_legal_hold("boss", "held", True, at=1.0)
    report = purge_due(index, store.journal, base, now=31 * DAY)
    assert report.purged == ["old"] and report.held == ["held"]
    assert not (base / "old.wav").exists() and (base / "held.wav").exists()
    assert index.get("old").status == "purged" and index.get("new").status == "complete"
    purges = list(store.journal.read(kind="recording.purged"))
    assert len(purges) == 1 and purges[0].data["id"] == "old" and purges[0].data["sha256"]
    # hold released: the next run purges it, and nothing is purged twice
    access.set_legal_hold("boss", "held", False, at=2.0)
    report = purge_due(index, store.journal, base, now=60 * DAY)
    assert sorted(report.purged) == ["held", "new"]
    assert store.journal.count("recording.purged") == 3
    assert index.get("keep").status == "complete"  # no retention: kept


def test_only_admins_set_legal_hold(env) -> None:
    _, _, access, _ = env
    with pytest.raises(PermissionDenied, match="admins only"):
        access.set_legal_hold("sup1", "old", True, at=1.0)


def test_list_is_filtered_by_role_and_journaled(env) -> None:
    store, _, access, _ = env
    assert {r.id for r in access.list("boss", at=1.0)} == {"old", "new", "held", "keep", "q"}
    assert {r.id for r in access.list("sup1", at=1.0)} == {
        "old",
        "new",
        "q",
    }  # agent a1 + queue sales
    assert {r.id for r in access.list("sup2", at=1.0)} == {"held", "keep"}
    assert {r.id for r in access.list("a1", at=1.0)} == {"old", "new"}
    assert [r.id for r in access.list("boss", at=1.0, queue="support", agent="a2")] == [
        "held",
        "keep",
    ]
    assert store.journal.count("recording.access") == 5
    with pytest.raises(PermissionDenied):
        access.list("nobody", at=1.0)


def test_show_and_export_refusals_are_journaled(env, tmp_path) -> None:
    store, index, access, base = env
    with pytest.raises(PermissionDenied, match="outside their teams"):
        access.show("sup2", "old", at=1.0)
    with pytest.raises(PermissionDenied, match="only their own"):
        access.export("a2", "old", tmp_path, at=1.0)
    out = tmp_path / "out"
    out.mkdir()
    assert access.export("sup1", "old", out, at=2.0).read_bytes() == (base / "old.wav").read_bytes()
    (base / "new.wav").write_bytes(b"tampered")
    with pytest.raises(Exception, match="sha256"):
        access.export("boss", "new", out, at=3.0)
    with pytest.raises(RecordingNotFound):
        access.show("boss", "nope", at=3.0)
    results = [
        (e.subject, e.data["action"], e.data["result"])
        for e in store.journal.read(kind="recording.access")
    ]
    assert results == [("sup2", "show", "refused"), ("a2", "export", "refused"), ("sup1", "export", "ok"),
                       ("boss", "export", "checksum mismatch"), ("boss", "show", "not found")]  # fmt: skip

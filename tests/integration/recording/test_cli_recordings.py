"""`calldesk recordings` through click: role-checked, journaled, exports a real file."""

from __future__ import annotations

import json
import struct

import pytest
import yaml
from click.testing import CliRunner

from calldesk.cli.main import cli
from calldesk.recording import wav
from calldesk.recording.index import RecordingIndex, Row
from calldesk.store import Store


@pytest.fixture
def setup(tmp_path):
    cfg = {
        "store": {"path": str(tmp_path / "db.sqlite")},
        "recordings": {"dir": str(tmp_path / "rec")},
        "users": [{"id": "boss", "role": "admin"}, {"id": "sup1", "role": "supervisor", "teams": ["red"]},
                  {"id": "a2", "role": "agent"}],
        "teams": [{"id": "red", "agents": ["a1"]}],
    }  # fmt: skip
    path = tmp_path / "calldesk.yaml"
    path.write_text(yaml.safe_dump(cfg))
    (tmp_path / "rec" / "2026").mkdir(parents=True)
    f = tmp_path / "rec" / "2026" / "i1-x.wav"
    f.write_bytes(
        b"RIFF"
        + struct.pack("<I", 36)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
        + b"data"
        + struct.pack("<I", 0)
        + b"\x01\x00" * 8000
    )  # fmt: skip  (crashed header)
    store = Store.open(tmp_path / "db.sqlite")
    RecordingIndex(store.db).insert(Row("r1", "i1", "2026/i1-x.wav", started_at=1795000000.0,
                                        agent="a1", queue="sales", status="recording", legs=["x"]))  # fmt: skip
    store.close()
    return tmp_path, ["-c", str(path)]


def run(args, *more):
    return CliRunner().invoke(cli, [*args, *more], catch_exceptions=False)


def test_list_show_export_repair_and_refusals(setup) -> None:
    tmp, args = setup
    r = run(args, "recordings", "repair", "--as", "sup1", "--offline")
    assert r.exit_code != 0 and "admins only" in r.output
    r = run(args, "recordings", "repair", "--as", "boss")
    assert r.exit_code != 0 and "--offline" in r.output
    r = run(args, "recordings", "repair", "--as", "boss", "--offline")
    assert r.exit_code == 0 and "repaired 1" in r.output
    r = run(
        args,
        "recordings",
        "list",
        "--as",
        "sup1",
        "--agent",
        "a1",
        "--since",
        "2026-11-01",
        "--json",
    )
    rows = json.loads(r.output)
    assert (
        [x["id"] for x in rows] == ["r1"]
        and rows[0]["status"] == "repaired"
        and rows[0]["duration"] == 1.0
    )
    assert "0 recording(s)" in run(args, "recordings", "list", "--as", "a2").output
    r = run(args, "recordings", "show", "r1", "--as", "a2")
    assert r.exit_code != 0 and "refused" in r.output and "only their own" in r.output
    r = run(args, "recordings", "export", "r1", "--as", "sup1", "--to", str(tmp))
    assert r.exit_code == 0 and wav.inspect(tmp / "i1-x.wav").healthy
    r = run(args, "recordings", "hold", "r1", "--as", "boss")
    assert "legal hold set" in r.output
    r = run(args, "recordings", "show", "r1", "--as", "boss")
    assert json.loads(r.output)["legal_hold"] is True
    store = Store.open(tmp / "db.sqlite")
    actions = [(e.subject, e.data["action"]) for e in store.journal.read(kind="recording.access")]
    store.close()
    assert actions == [("sup1", "list"), ("a2", "list"), ("a2", "show"), ("sup1", "export"),
                       ("boss", "legal_hold"), ("boss", "show")]  # fmt: skip

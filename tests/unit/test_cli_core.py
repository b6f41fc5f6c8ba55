"""The core CLI commands through click's CliRunner, on real SQLite files."""

from __future__ import annotations

import json

from click.testing import CliRunner

from calldesk.cli.main import cli
from calldesk.store import Store


def test_db_migrate_creates_store_and_is_idempotent(tmp_path) -> None:
    runner = CliRunner()
    path = tmp_path / "x" / "calldesk.sqlite"
    first = runner.invoke(cli, ["db", "migrate", "--path", str(path)])
    assert first.exit_code == 0, first.output
    assert "001_journal" in first.output
    second = runner.invoke(cli, ["db", "migrate", "--path", str(path)])
    assert "applied 0 migration(s)" in second.output
    assert Store.open(path).applied()[0] == "001_journal"


def test_db_journal_prints_entries(tmp_path) -> None:
    path = tmp_path / "j.sqlite"
    Store.open(path).journal.append("leg.create", "leg-1", {"caller": "+1555"}, at=5.0)
    out = CliRunner().invoke(cli, ["db", "journal", "--path", str(path)])
    assert out.exit_code == 0 and "leg.create" in out.output and "leg-1" in out.output


def test_serve_refuses_without_switch(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CALLDESK_ESL_URL", raising=False)
    out = CliRunner().invoke(cli, ["serve", "--once"])
    assert out.exit_code != 0 and "no switch configured" in out.output


def test_serve_refuses_default_password(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLDESK_ESL_URL", "esl://:ClueCon@127.0.0.1:8021")
    out = CliRunner().invoke(cli, ["serve", "--once"])
    assert out.exit_code != 0 and "default password" in out.output


def test_config_errors_name_file_and_key(tmp_path) -> None:
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text("store: {pth: x}\n")
    out = CliRunner().invoke(cli, ["-c", str(cfg), "db", "migrate"])
    assert out.exit_code != 0
    assert str(cfg) in out.output and "store.pth" in out.output


def test_bench_esl_json_shape() -> None:
    out = CliRunner().invoke(cli, ["bench", "esl", "--json", "--seconds", "0.3"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert {"events_per_s", "greenswitch_events_per_s", "ratio"} <= set(result)
    assert result["events_per_s"] > 0 and result["greenswitch_events_per_s"] > 0


def test_serve_refuses_trunk_without_credentials(tmp_path, monkeypatch) -> None:
    import shutil
    from pathlib import Path

    root = Path(__file__).parents[2]
    shutil.copy(root / "calldesk.yaml", tmp_path / "calldesk.yaml")
    shutil.copytree(root / "ivrflows", tmp_path / "ivrflows")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLDESK_ESL_URL", "esl://:a-strong-pw-9@127.0.0.1:1")
    for name in ("CARRIER_A_USERNAME", "CARRIER_A_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    out = CliRunner().invoke(cli, ["serve", "--once"])
    assert out.exit_code != 0
    assert "trunks[0].gateway.username_env" in out.output and "not set" in out.output


def test_demo_refuses_unknown_skill_with_key_path(tmp_path, monkeypatch) -> None:
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text(
        "queues: [{name: general, skills: [nosuch]}]\n"
        "agents: [{id: a1, contact: user/1001, queues: [general], skills: {general: 3}}]\n"
    )
    out = CliRunner().invoke(cli, ["-c", str(cfg), "demo", "--calls", "1", "--json"])
    assert out.exit_code != 0 and "queues[0].skills[0]" in out.output

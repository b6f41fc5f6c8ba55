"""Bad input on the command line gets one `key: reason` (or `file:line: reason`) line and a
non-zero exit, never a traceback (issue 11). Each test failed before its fix."""

from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from calldesk.cli.main import cli
from calldesk.config import load_config
from calldesk.errors import ConfigError
from calldesk.store import Store

ROOT = Path(__file__).parents[2]
STRONG = "a-strong-esl-pw-9"


def invoke(args: list[str], **kw) -> object:
    result = CliRunner().invoke(cli, args, **kw)
    # CliRunner catches exceptions: a traceback shows up as `exception` that is not SystemExit.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback: {result.exception!r}\n{result.output}"
    )
    return result


def one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert result.exit_code != 0 and len(lines) == 1, result.output
    return lines[0]


def empty_config(folder: Path) -> str:
    path = folder / "empty.yaml"
    path.write_text("")
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unknown_log_level_is_refused_with_its_key(tmp_path) -> None:
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text("log: {level: LOUD}\n")
    line = one_error_line(invoke(["-c", str(cfg), "db", "journal"]))
    assert "log.level" in line and "LOUD" in line


def test_esl_url_with_a_port_that_is_not_a_number_is_refused(tmp_path) -> None:
    env = {"CALLDESK_ESL_URL": "esl://:pw@127.0.0.1:notaport"}
    line = one_error_line(invoke(["-c", empty_config(tmp_path), "serve", "--once"], env=env))
    assert "CALLDESK_ESL_URL" in line and "notaport" in line
    with pytest.raises(ConfigError) as info:
        load_config(None, env=env)
    assert info.value.key_path == "CALLDESK_ESL_URL"


def test_esl_url_refusal_does_not_echo_the_password() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, env={"CALLDESK_ESL_URL": "http://:hunter2-secret@host:8021"})
    assert "hunter2-secret" not in str(info.value)


def test_serve_once_against_an_unreachable_switch_says_why(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"CALLDESK_ESL_URL": f"esl://:{STRONG}@127.0.0.1:{free_port()}"}
    line = one_error_line(invoke(["serve", "--once", "--wait", "1"], env=env))
    assert "switch fs1: not ready" in line and "cannot reach" in line


def test_flows_validate_reports_a_file_that_is_not_utf8(tmp_path) -> None:
    shutil.copy(ROOT / "ivrflows" / "hello.yaml", tmp_path / "hello.yaml")
    (tmp_path / "broken.yaml").write_bytes(b"flow: broken\nsteps:\n  - say: caf\xe9\n")
    result = invoke(["flows", "validate", str(tmp_path), "--queues", "general,billing,support,vip"])
    assert result.exit_code != 0
    assert f"{tmp_path / 'broken.yaml'}:3:13: encoding: not UTF-8 (byte 0xe9)" in result.output
    # Validating only the good file: the bad sibling is a note, not a failure.
    alone = invoke(
        [
            "flows",
            "validate",
            str(tmp_path / "hello.yaml"),
            "--queues",
            "general,billing,support,vip",
        ]
    )
    assert alone.exit_code == 0, alone.output
    assert "broken.yaml:3:13: encoding: not UTF-8" in alone.output


def test_db_migrate_refuses_a_file_that_is_not_sqlite(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are my notes, not a database\n" * 20)
    for command in (["db", "migrate", "--path", str(path)], ["db", "journal", "--path", str(path)]):
        line = one_error_line(invoke(["-c", empty_config(tmp_path), *command]))
        assert str(path) in line and "not a calldesk SQLite store" in line
    assert path.read_text().startswith("these are my notes")


@pytest.mark.parametrize("password", ["ClueCon", "1234", "short-pw"])
def test_sim_refuses_default_and_short_passwords(password) -> None:
    result = invoke(["sim", "--port", "0"], env={"CALLDESK_SIM_PASSWORD": password})
    line = one_error_line(result)
    assert "CALLDESK_SIM_PASSWORD" in line
    assert ("default password" in line) or ("too short" in line)


@pytest.mark.parametrize(
    ("option", "value"),
    [("--calls", "0"), ("--agents", "0"), ("--time-scale", "0"), ("--calls", "-3")],
)
def test_demo_refuses_counts_below_one_and_a_zero_time_scale(tmp_path, option, value) -> None:
    line = one_error_line(invoke(["-c", empty_config(tmp_path), "demo", option, value]))
    assert option in line


def test_demo_settings_in_the_file_are_checked_too(tmp_path) -> None:
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text("demo: {calls: 0}\n")
    assert "demo.calls" in one_error_line(invoke(["-c", str(cfg), "demo"]))


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("freeswitch", "max_sessions"),
        ("demo", "calls"),
        ("http", "port"),
        ("supervision", "answer_timeout"),
    ],
)
def test_a_boolean_is_never_taken_for_a_number(tmp_path, section, key) -> None:
    from calldesk.fsconf.settings import parse_settings
    from calldesk.supervision.settings import Settings

    with pytest.raises(ConfigError) as info:
        if section == "freeswitch":
            parse_settings({key: True}, {"CALLDESK_ESL_PASSWORD": STRONG})
        elif section == "supervision":
            Settings.from_config({key: True})
        else:
            cfg = tmp_path / "calldesk.yaml"
            cfg.write_text(f"{section}: {{{key}: true}}\n")
            load_config(cfg)
    assert info.value.key_path.endswith(f"{section}.{key}")


def test_flows_test_runs_the_flow_asked_for_even_without_a_number() -> None:
    result = invoke(["-c", str(ROOT / "calldesk.yaml"), "flows", "test", "voicemail"])
    assert result.exit_code == 0, result.output
    steps = [line.split(". ", 1)[1] for line in result.output.splitlines() if ". " in line]
    assert steps and all(s.startswith("voicemail:") for s in steps), result.output


def _store_with_agent_state(path: Path, at: float) -> None:
    store = Store.open(path)
    store.journal.append("agent.login", "alice", {"queues": ["general"]}, at=at)
    store.journal.append("agent.state", "alice", {"state": "available"}, at=at)


def test_agents_pops_reads_the_store_given_to_the_group(tmp_path) -> None:
    from calldesk.dispatch.persist import DispatchStore

    chosen, default = tmp_path / "chosen.sqlite", tmp_path / "default.sqlite"
    Store.open(default)
    pops = DispatchStore(Store.open(chosen))
    pops.screen_pop("o-1", "i-1", "alice", time.time(), {"queue": "general"})
    pops.flush()
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text(f"store: {{path: {default}}}\n")
    result = invoke(["-c", str(cfg), "agents", "--store", str(chosen), "pops", "alice"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[0])["interaction"] == "i-1"


def test_live_agent_view_never_shows_negative_time_in_state(tmp_path) -> None:
    path = tmp_path / "demo.sqlite"
    _store_with_agent_state(path, time.time() + 3600)  # a demo's simulated clock runs ahead
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text(
        "agents: [{id: alice, contact: user/1001, queues: [general]}]\nqueues: [{name: general}]\n"
    )
    result = invoke(["-c", str(cfg), "agents", "--store", str(path), "--json"])
    assert result.exit_code == 0, result.output
    view = json.loads(result.output.splitlines()[0])
    assert view["agent"] == "alice" and view["time_in_state_s"] >= 0


def test_db_journal_says_when_the_store_is_empty(tmp_path) -> None:
    path = tmp_path / "empty.sqlite"
    Store.open(path)
    result = invoke(["-c", empty_config(tmp_path), "db", "journal", "--path", str(path)])
    assert result.exit_code == 0 and "journal empty" in result.output

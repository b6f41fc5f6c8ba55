"""`calldesk flows`: validate, graph and test through click's CliRunner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from calldesk.cli.main import cli

FLOWS = Path(__file__).parents[3] / "ivrflows"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no calldesk.yaml here: flows tooling works without config
    monkeypatch.delenv("CALLDESK_CONFIG", raising=False)
    monkeypatch.delenv("CALLDESK_ESL_URL", raising=False)

    def go(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return go


def test_validate_samples_pass_with_the_documented_queues(run):
    r = run("flows", "validate", str(FLOWS), "--queues", "general,billing,support,vip")
    assert r.exit_code == 0, r.output
    assert "ok " in r.output and "bank" in r.output


def test_validate_reports_file_line_col_code_and_fails(run, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "flow: bad\nsteps:\n  a: {kind: play, prompt: hi, next: nowhere}\n  b: {kind: enqueue, queue: sales}\n"
    )
    r = run("flows", "validate", str(bad), "--queues", "general")
    assert r.exit_code == 1
    lines = [ln for ln in r.output.splitlines() if ln.startswith(str(bad))]
    assert f"{bad}:3:37: unknown-target: step 'a' (next) goes to unknown step 'nowhere'" in lines
    assert any(":4:3: unreachable-step:" in ln for ln in lines)
    assert any(":4:29: unknown-queue:" in ln for ln in lines)


def test_validate_yaml_syntax_error(run, tmp_path: Path):
    bad = tmp_path / "syntax.yaml"
    bad.write_text("flow: x\nsteps: [\n")
    r = run("flows", "validate", str(bad))
    assert r.exit_code == 1 and f"{bad}:3:1: yaml-syntax:" in r.output


def test_validate_without_queues_notes_the_skipped_rule(run, tmp_path: Path):
    shutil.copy(FLOWS / "hello.yaml", tmp_path / "hello.yaml")
    r = CliRunner().invoke(cli, ["flows", "validate", str(tmp_path / "hello.yaml")])
    assert r.exit_code == 0 and "unknown-queue rule is skipped" in r.stderr


@pytest.mark.parametrize("fmt, marker", [("dot", "digraph"), ("mermaid", "flowchart TD")])
def test_graph_text_formats(run, fmt, marker):
    r = run("flows", "graph", str(FLOWS / "bank.yaml"), "--format", fmt)
    assert r.exit_code == 0 and r.output.startswith(marker)
    assert "main_menu" in r.output and "offer_callback" in r.output


def test_graph_svg_pure_fallback_by_flow_name(run, tmp_path: Path, monkeypatch):
    shutil.copytree(FLOWS, tmp_path / "ivrflows")
    out = tmp_path / "bank.svg"
    r = run("flows", "graph", "bank", "--format", "svg", "--pure", "-o", str(out))
    assert r.exit_code == 0
    svg = out.read_text()
    assert svg.startswith("<svg") and svg.count("<rect") == 19 and "choose_language" in svg


def test_graph_unknown_flow(run):
    r = CliRunner().invoke(cli, ["flows", "graph", "nope"])
    assert r.exit_code != 0 and "no flow file or flow named 'nope'" in r.output


def test_test_on_text(run):
    r = run("flows", "test", str(FLOWS / "hello.yaml"), "--medium", "text", "--input", "9,1")
    assert r.exit_code == 0, r.output
    assert "hello:menu" in r.output and "result: enqueued to general" in r.output


def test_test_on_voice_against_the_simulated_switch(run):
    r = run("flows", "test", str(FLOWS / "bank.yaml"), "--input", "2,79927398713#,,0,1",
            "--reply", 'https://core.bank.example/={"amount": "99.5"}')  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (
        "caller: (presses 2), (presses 79927398713#), (says nothing), (presses 0), (presses 1)"
        in r.output
    )
    assert "bank:say_amount" in r.output and "result: enqueued to general" in r.output
    assert '"account": "*******8713"' in r.output


def test_validate_takes_known_queues_from_config(run, tmp_path: Path):
    (tmp_path / "calldesk.yaml").write_text("queues:\n  - {name: general}\n  - {name: support}\n")
    r = run(
        "-c",
        str(tmp_path / "calldesk.yaml"),
        "flows",
        "validate",
        str(FLOWS / "hello.yaml"),
        str(FLOWS / "bank.yaml"),
    )
    assert r.exit_code == 1
    assert "unknown-queue: queue 'vip' is not configured (known: general, support)" in r.output
    assert "hello.yaml:" not in r.output.replace("ok ", "")

"""The demo exits non-zero when it loses or strands anything, and says when it fell behind."""

from __future__ import annotations

import json

import gevent
from click.testing import CliRunner

from calldesk.cli.main import cli
from calldesk.demo import run as demo_run
from calldesk.demo.pace import Pace

CLEAN = {
    "calls": 3,
    "offered": 3,
    "answered": 3,
    "abandoned": 0,
    "overflowed": 0,
    "ended_in_ivr": 0,
    "lost": 0,
    "agents_available_at_end": 2,
    "agents": 2,
    "service_level": 1.0,
    "asa_s": 1.0,
    "stuck": 0,
    "timed_out": False,
    "pace": {"fell_behind": False},
    "journal": {
        "offered": 3,
        "answered": 3,
        "abandoned": 0,
        "overflowed": 0,
        "lost": 0,
        "service_level": 1.0,
        "asa_s": 1.0,
    },
}


def _invoke(tmp_path, monkeypatch, result: dict) -> object:
    monkeypatch.setattr(demo_run, "run_demo", lambda *a, **kw: result)
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text("")
    return CliRunner().invoke(cli, ["-c", str(cfg), "demo", "--calls", "3", "--json"])


def test_clean_run_exits_zero(tmp_path, monkeypatch) -> None:
    out = _invoke(tmp_path, monkeypatch, CLEAN)
    assert out.exit_code == 0, out.output
    assert json.loads(out.output.splitlines()[0])["lost"] == 0


def test_lost_stuck_or_stranded_agents_exit_non_zero(tmp_path, monkeypatch) -> None:
    bad = {**CLEAN, "lost": 2, "stuck": 1, "agents_available_at_end": 1, "timed_out": True}
    out = _invoke(tmp_path, monkeypatch, bad)
    assert out.exit_code == 1
    error = [line for line in out.output.splitlines() if line.startswith("Error: ")]
    assert len(error) == 1
    for words in ("2 interaction(s) lost", "1 interaction(s) stuck", "1 agent(s)", "timed out"):
        assert words in error[0]


def test_falling_behind_is_said(tmp_path, monkeypatch) -> None:
    behind = {
        **CLEAN,
        "pace": {
            "fell_behind": True,
            "loop_stall_max_ms": 900.0,
            "simulated_s_lost_to_stalls": 40.0,
            "caller_arrival_late_max_s": 3.0,
        },
    }
    out = _invoke(tmp_path, monkeypatch, behind)
    assert out.exit_code == 0 and "fell behind the time scale" in out.output


def test_pace_counts_a_blocked_event_loop() -> None:
    pace = Pace(time_scale=20.0).start()
    gevent.sleep(0.06)
    import time

    time.sleep(0.2)  # the loop is blocked: at scale 20 that is 4 simulated seconds
    gevent.sleep(0.1)
    pace.stop()
    figures = pace.figures()
    assert figures["fell_behind"] and figures["loop_stall_max_ms"] >= 150


def test_a_demo_whose_flows_do_not_bind_its_number_is_refused_at_once(tmp_path, monkeypatch) -> None:
    """Run away from the project folder (no ivrflows/ there), every caller would find no flow:
    the demo says so and exits 1 instead of losing all of them after its timeout."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--calls", "3", "--agents", "1", "--json"])
    assert result.exit_code == 1
    assert "flows.dir: no flow in" in result.output and "5550000" in result.output
    assert "Traceback" not in result.output

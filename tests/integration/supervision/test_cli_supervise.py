"""`calldesk supervise` through click against the simulated switch: each command is its own
ESL connection plus the shared store (no control channel yet), so a session started by one
command is changed and stopped by the next."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from tests.integration.recording.simcall import (
    PASSWORD,
    bridged_call,
    start_board,
    start_sim,
    wait_for,
)

from calldesk.cli import supervise as supervise_cli
from calldesk.cli.main import cli
from calldesk.sim import PhoneBehavior
from calldesk.store import Store


@pytest.fixture
def env(tmp_path):
    sim = start_sim(tmp_path / "rec")
    sim.add_phone("user/2001", PhoneBehavior.answer(after=0.2))
    board = start_board(sim)
    cfg = {
        "switches": [{"name": "sim1", "host": "127.0.0.1", "port": sim.port, "password": PASSWORD}],
        "store": {"path": str(tmp_path / "db.sqlite")},
        "users": [{"id": "sup1", "role": "supervisor", "teams": ["red"], "contact": "user/2001"},
                  {"id": "sup3", "role": "supervisor"}, {"id": "a1", "role": "agent", "teams": ["red"]}],
        "teams": [{"id": "red", "agents": ["a1"]}],
    }  # fmt: skip
    path = tmp_path / "calldesk.yaml"
    path.write_text(yaml.safe_dump(cfg))
    yield sim, board, ["-c", str(path)], tmp_path
    board.stop()
    sim.stop()


def run(args, *more):
    return CliRunner().invoke(cli, [*args, *more], catch_exceptions=False)


def test_start_mode_list_stop(env) -> None:
    sim, board, args, tmp = env
    customer, agent = bridged_call(sim, board)
    r = run(args, "supervise", "start", "--as", "sup3", "--agent", "a1")
    assert r.exit_code != 0 and "refused: sup3 may not monitor agent a1" in r.output
    r = run(args, "supervise", "start", "--as", "sup1", "--agent", "a1", "--mode", "whisper")
    assert r.exit_code == 0, r.output
    sid, sup_leg = r.output.split()[0], r.output.split("leg=")[1].split()[0]
    assert sim.eavesdrop_mode(sup_leg)["mode"] == "peer"
    r = run(args, "supervise", "mode", sid, "--as", "sup1", "--mode", "barge")
    assert r.exit_code == 0 and "mode=barge" in r.output
    assert sim.eavesdrop_mode(sup_leg)["mode"] == "both"
    r = run(args, "supervise", "list", "--as", "sup1")
    assert f"{sid}  sup1 -> a1  mode=barge  active" in r.output
    r = run(args, "supervise", "stop", sid, "--as", "sup1")
    assert r.exit_code == 0 and "ended" in r.output
    wait_for(lambda: sup_leg not in sim.legs, what="supervisor leg gone")
    assert customer in sim.legs and agent in sim.legs  # the call goes on
    assert "0 session(s)" in run(args, "supervise", "list", "--as", "sup1").output
    store = Store.open(tmp / "db.sqlite")
    kinds = [e.kind for e in store.journal.read(kind_prefix="supervision.")]
    store.close()
    assert kinds == ["supervision.refused", "supervision.start", "supervision.joined", "supervision.mode",
                     "supervision.end"]  # fmt: skip


def test_acd_commands_need_a_live_acd(env, monkeypatch) -> None:
    _, _, args, _ = env
    r = run(args, "supervise", "logout", "--as", "sup1", "--agent", "a1")
    assert r.exit_code != 0 and "no control channel" in r.output
    from calldesk.acd import Acd, AgentConfig, QueueConfig
    from calldesk.acd import events as ev

    core = Acd([QueueConfig("sales")], [AgentConfig("a1", "user/1001", queues=("sales",))])
    core.handle(ev.AgentLogin("a1", ready=True), 0.0)
    monkeypatch.setattr(supervise_cli, "ACD_PROVIDER", lambda: core)
    r = run(
        args,
        "supervise",
        "agent-state",
        "--as",
        "sup1",
        "--agent",
        "a1",
        "--state",
        "not_ready",
        "--reason",
        "coaching",
    )
    assert r.exit_code == 0 and core.agents["a1"].reason == "coaching"
    r = run(args, "supervise", "logout", "--as", "sup3", "--agent", "a1")
    assert r.exit_code != 0 and "refused" in r.output

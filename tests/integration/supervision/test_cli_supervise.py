"""`calldesk supervise` on a running controller: a controller built by `calldesk.app.build` on the
simulated switch (over TCP) polls the control channel; the CLI, in its own thread like a
separate process, posts commands into the same store and prints the answers. A call goes
through the ACD to an agent, then a supervisor whispers, barges, moves/pulls/forces through the
ACD commands, and takes the call over."""

from __future__ import annotations

import threading

import gevent
import pytest
import yaml
from click.testing import CliRunner
from tests.integration.recording.simcall import PASSWORD, start_sim, wait_for

from calldesk.app import build
from calldesk.cli.main import cli
from calldesk.config import load_config
from calldesk.esl.connection import SwitchSettings
from calldesk.interactions import EnqueueRequest
from calldesk.sim import PhoneBehavior
from calldesk.store import Store

SCALE = 20.0


@pytest.fixture
def env(tmp_path):
    sim = start_sim(tmp_path / "rec")
    for phone in ("user/1001", "user/1002", "user/2001", "user/2003"):
        sim.add_phone(phone, PhoneBehavior.answer(after=0.2))
    (tmp_path / "flows").mkdir()
    cfg = {
        "switches": [{"name": "sim1", "host": "127.0.0.1", "port": sim.port, "password": PASSWORD}],
        "store": {"path": str(tmp_path / "db.sqlite")},
        "flows": {"dir": str(tmp_path / "flows")},
        "recordings": {"dir": str(tmp_path / "rec")},
        "queues": [{"name": "sales", "wrap_up_s": 30}, {"name": "support"}],
        "agents": [{"id": "a1", "contact": "user/1001", "queues": ["sales"]},
                   {"id": "a2", "contact": "user/1002", "queues": ["support"]}],
        "users": [{"id": "sup1", "role": "supervisor", "teams": ["red"], "contact": "user/2001"},
                  {"id": "sup3", "role": "supervisor", "teams": ["blue"], "contact": "user/2003"}],
        "teams": [{"id": "red", "agents": ["a1", "a2"], "queues": ["sales", "support"]},
                  {"id": "blue", "agents": [], "queues": []}],
    }  # fmt: skip
    path = tmp_path / "calldesk.yaml"
    path.write_text(yaml.safe_dump(cfg))
    config = load_config(path, env={})
    switch = SwitchSettings("sim1", "127.0.0.1", sim.port, PASSWORD)
    ctl = build(config, store=Store.open(tmp_path / "db.sqlite"), switches=[switch],
                clock=sim.clock.epoch, time_scale=SCALE, check_trunks=False)  # fmt: skip
    assert all(ctl.start(wait=5).values())
    yield sim, ctl, ["-c", str(path)]
    ctl.stop()
    sim.stop()


def run(args: list[str], *more: str):  # noqa: ANN201 - click Result
    """Run the CLI in a thread (it blocks in time.sleep) while this hub serves the controller."""
    box: dict = {}
    t = threading.Thread(target=lambda: box.setdefault(
        "r", CliRunner().invoke(cli, [*args, *more], catch_exceptions=False)))  # fmt: skip
    t.start()
    while t.is_alive():
        gevent.sleep(0.02)
    return box["r"]


def call_for(sim, ctl, agent: str, queue: str) -> tuple[str, str]:
    """A caller enqueued like the IVR does, offered to `agent` and bridged: (customer, agent leg)."""
    customer = sim.inject_call(did="5552000", caller_id="+15550101")
    wait_for(lambda: (leg := ctl.board.tracker.legs.get(customer)) is not None and leg.parked,
             what="caller parked")  # fmt: skip
    ctl.acd.enqueue(EnqueueRequest(customer, "voice", queue, 0, {}, "en", {"id": "+15550101"},
                                   {}, {}, "test", "1", []))  # fmt: skip
    ctl.acd.login(agent, ready=True)

    def bridged() -> str | None:
        peer = ctl.board.tracker.legs[customer].bridged_to
        return peer if peer and ctl.acd.acd.agents[agent].state.value == "busy" else None

    wait_for(lambda: bridged() is not None, what="caller bridged to the agent")
    return customer, str(bridged())


def test_whisper_barge_and_a_refusal_over_the_control_channel(env) -> None:
    sim, ctl, args = env
    customer, agent_leg = call_for(sim, ctl, "a1", "sales")
    r = run(args, "supervise", "start", "--as", "sup3", "--agent", "a1")
    assert r.exit_code != 0 and "refused: sup3 may not monitor agent a1" in r.output
    r = run(args, "supervise", "start", "--as", "sup1", "--agent", "a1", "--mode", "whisper")
    assert r.exit_code == 0, r.output
    sid, sup_leg = r.output.split()[0], r.output.split("leg=")[1].split()[0]
    assert sim.eavesdrop_mode(sup_leg)["mode"] == "peer"  # the agent hears the supervisor
    r = run(args, "supervise", "mode", sid, "--as", "sup1", "--mode", "barge")
    assert r.exit_code == 0 and "mode=barge" in r.output, r.output
    assert sim.eavesdrop_mode(sup_leg)["mode"] == "both"
    r = run(args, "supervise", "mode", sid, "--as", "sup3", "--mode", "monitor")
    assert r.exit_code != 0 and "refused: sup3 may not monitor agent a1" in r.output
    r = run(args, "supervise", "list", "--as", "sup1")
    assert f"{sid}  sup1 -> a1  mode=barge  active" in r.output
    assert "0 session(s)" in run(args, "supervise", "list", "--as", "sup3").output
    kinds = [e.kind for e in ctl.store.journal.read(kind_prefix="supervision.")]
    assert kinds == ["supervision.refused", "supervision.start", "supervision.joined",
                     "supervision.mode", "supervision.refused"]  # fmt: skip
    assert ctl.board.tracker.legs[customer].bridged_to == agent_leg  # the call went on throughout


def test_takeover_releases_the_agent_to_wrap_up_and_keeps_the_customer(env) -> None:
    sim, ctl, args = env
    customer, agent_leg = call_for(sim, ctl, "a1", "sales")
    r = run(args, "supervise", "start", "--as", "sup1", "--agent", "a1", "--mode", "monitor")
    assert r.exit_code == 0, r.output
    sid, sup_leg = r.output.split()[0], r.output.split("leg=")[1].split()[0]
    r = run(args, "supervise", "mode", sid, "--as", "sup1", "--mode", "takeover")
    assert r.exit_code == 0 and "mode=takeover" in r.output, r.output
    wait_for(lambda: agent_leg not in sim.legs, what="agent leg released")
    core = ctl.acd.acd
    wait_for(lambda: core.agents["a1"].state.value == "wrap_up", what="agent wraps up")
    gevent.sleep(0.5)  # the dispatcher saw the agent leg go: the call must not end with it
    ctl.acd.reconcile_now()  # nor may reconciliation judge the missing agent leg a lost call
    gevent.sleep(0.5)
    assert ctl.store.journal.count("acd.repair") == 0
    assert customer in sim.legs and sim.legs[customer].peer.uuid == sup_leg
    it = core.interactions[customer]
    assert it.state.value == "connected" and it.agent is None
    sim.hangup(customer)
    wait_for(lambda: customer not in core.interactions, what="interaction ended")
    ended = list(ctl.store.journal.read(kind="interaction.ended", subject=customer))
    assert len(ended) == 1 and ended[0].data["agent"] is None
    assert ctl.store.journal.count("interaction.abandoned") == 0


def test_acd_commands_steer_waiting_interactions(env) -> None:
    sim, ctl, args = env
    customer = sim.inject_call(did="5552000", caller_id="+15550102")
    wait_for(lambda: (leg := ctl.board.tracker.legs.get(customer)) is not None and leg.parked,
             what="caller parked")  # fmt: skip
    ctl.acd.enqueue(
        EnqueueRequest(customer, "voice", "sales", 0, {}, "en", {}, {}, {}, "t", "1", [])
    )
    wait_for(lambda: customer in ctl.acd.acd.interactions, what="waiting")
    r = run(
        args, "supervise", "priority", "--as", "sup1", "--interaction", customer, "--priority", "7"
    )
    assert r.exit_code == 0 and "priority=7" in r.output, r.output
    r = run(
        args, "supervise", "move", "--as", "sup3", "--interaction", customer, "--queue", "support"
    )
    assert r.exit_code != 0 and "refused: sup3 may not move interactions" in r.output
    r = run(
        args, "supervise", "move", "--as", "sup1", "--interaction", customer, "--queue", "support"
    )
    assert r.exit_code == 0 and "queue=support" in r.output, r.output
    ctl.acd.login("a1", ready=False)
    r = run(args, "supervise", "pull", "--as", "sup1", "--interaction", customer, "--agent", "a1")
    assert r.exit_code == 0, r.output
    assert ctl.acd.acd.interactions[customer].pulled_to == "a1"
    r = run(args, "supervise", "agent-state", "--as", "sup1", "--agent", "a1", "--state", "ready")
    assert r.exit_code == 0, r.output
    wait_for(lambda: ctl.board.tracker.legs[customer].bridged_to, what="pulled call bridged to a1")
    assert ctl.acd.acd.interactions[customer].agent == "a1"  # a1 serves sales only: the pull did it
    r = run(args, "supervise", "logout", "--as", "sup3", "--agent", "a1")
    assert r.exit_code != 0 and "refused: sup3 may not log out agent a1" in r.output

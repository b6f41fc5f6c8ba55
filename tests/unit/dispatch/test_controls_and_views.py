"""Controls over the control channel, and the `calldesk queues` / `calldesk agents` views."""

from __future__ import annotations

import json
import time

import gevent
import pytest
from click.testing import CliRunner
from tests.unit.dispatch.fakes import FakeConn

from calldesk.acd import Acd, AgentConfig, QueueConfig
from calldesk.acd import events as ev
from calldesk.app import wire_acd
from calldesk.cli.main import cli
from calldesk.control import ControlBus, ControlClient, ControlError
from calldesk.dispatch.controls import register_controls
from calldesk.engine import DispatchSettings
from calldesk.notify import Notifier
from calldesk.service import compose
from calldesk.store import Store
from calldesk.telephony.switchboard import Switchboard

CONFIG = """
switches: []
store: {path: %s}
queues:
  - {name: sales, sl_seconds: 20}
  - {name: support, sl_seconds: 30}
agents:
  - {id: alice, contact: user/1001, queues: [sales]}
  - {id: bob, contact: user/1002, queues: [sales, support]}
"""

SITE = {"queues": [{"name": "sales"}],
        "agents": [{"id": "alice", "contact": "user/1001", "queues": ["sales"]}]}  # fmt: skip


def test_controls_drive_the_running_service(tmp_path) -> None:
    store = Store.open(tmp_path / "c.sqlite")
    acd = Acd([QueueConfig("sales")], [AgentConfig("alice", "user/1001", queues=("sales",))])
    svc, _ = wire_acd(acd, Switchboard([FakeConn()]), store, lambda: 50.0, DispatchSettings())
    store.journal.notifier = Notifier()
    svc.start()
    bus = ControlBus(store, lambda: 50.0)
    register_controls(bus, compose(SITE, store, svc))
    client = ControlClient(store)

    def call(command: str, **args: object) -> dict:
        row = client.post("cli", command, args)
        gevent.spawn(bus.poll_once).join()
        status, result = store.db.execute(
            "SELECT status, result FROM control_inbox WHERE id = ?", [row]
        ).fetchone()
        out = json.loads(result)
        if status == "error":
            raise ControlError(out["error"])
        return out

    assert call("agent.login", agent="alice", ready=True)["state"] == "available"
    assert call("agent.not_ready", agent="alice", reason="lunch") == {
        "agent": "alice", "state": "not_ready", "reason": "lunch"}  # fmt: skip
    assert call("queue.pause", queue="sales")["state"] == "paused"
    with pytest.raises(ControlError, match="unknown agent"):
        call("agent.ready", agent="nobody")
    with pytest.raises(ControlError, match="not paused"):
        call("queue.resume", queue="sales") and call("queue.resume", queue="sales")
    call("agent.logout", agent="alice")
    with pytest.raises(ControlError, match="logged out"):
        call("agent.ready", agent="alice")
    svc.stop()


def test_views_fold_the_journal_without_a_controller(tmp_path) -> None:
    db = tmp_path / "c.sqlite"
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text(CONFIG % db)
    store = Store.open(db)
    acd = Acd([QueueConfig("sales", wrap_up_s=10), QueueConfig("support")],
              [AgentConfig("alice", "user/1001", queues=("sales",)),
               AgentConfig("bob", "user/1002", queues=("sales", "support"))])  # fmt: skip
    now = time.time()
    t = max(now - 100, now // 86400 * 86400)  # today, as the CLI sees it
    acd.handle(ev.AgentLogin("alice", ready=True), t)
    offer = acd.handle(ev.InteractionArrived("i1", "sales"), t + 1)[0]
    acd.handle(ev.OfferAccepted(offer.id), t + 6)  # answered after 5 s
    acd.handle(ev.InteractionEnded("i1"), t + 66)  # 60 s talk
    acd.handle(ev.InteractionArrived("i2", "sales"), t + 70)  # alice is in wrap-up: it waits
    acd.handle(ev.InteractionEnded("i2"), t + 72)  # abandoned
    acd.handle(ev.InteractionArrived("i3", "sales"), t + 73)
    store.journal.append_many([(r.kind, r.subject, r.data, r.at) for r in acd.journal])
    store.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["-c", str(cfg), "queues", "--json"])
    assert out.exit_code == 0, out.output
    sales = json.loads(out.output.splitlines()[0])
    assert (sales["queue"], sales["answered"], sales["abandoned"], sales["asa_s"]) == (
        "sales", 1, 1, 5.0)  # fmt: skip
    assert sales["abandon_rate"] == 0.5 and sales["service_level_today"] == 0.5
    text = runner.invoke(cli, ["-c", str(cfg), "agents"]).output
    alice = next(line for line in text.splitlines() if line.startswith("alice"))
    assert alice.split()[:2] == ["alice", "wrap_up"] and "1:00" in alice  # talk 60 s
    bob = next(line for line in text.splitlines() if line.startswith("bob"))
    assert bob.split()[1] == "logged_out"
    table = runner.invoke(cli, ["-c", str(cfg), "queues"]).output
    assert "sales" in table and "50%" in table

"""The control inbox on a real SQLite file shared by a 'CLI' and a 'controller' thread."""

from __future__ import annotations

import threading

import pytest

from calldesk.control import ControlBus, ControlClient, ControlError
from calldesk.errors import CalldeskError
from calldesk.store import Store


def make(tmp_path):
    path = tmp_path / "c.sqlite"
    return Store.open(path), Store.open(path)


def serve_once_later(bus: ControlBus) -> threading.Thread:
    def loop() -> None:
        for _ in range(100):
            if bus.poll_once():
                return
            threading.Event().wait(0.02)

    thread = threading.Thread(target=loop)
    thread.start()
    return thread


def test_command_round_trip(tmp_path) -> None:
    controller_store, cli_store = make(tmp_path)
    bus = ControlBus(controller_store, clock=lambda: 42.0)
    bus.register("agent.ready", lambda args, actor: {"agent": args["agent"], "by": actor})
    thread = serve_once_later(bus)
    assert ControlClient(cli_store).call("sup1", "agent.ready", {"agent": "a1"}) == {
        "agent": "a1",
        "by": "sup1",
    }
    thread.join()


def test_refusals_and_unknown_commands_come_back_as_errors(tmp_path) -> None:
    controller_store, cli_store = make(tmp_path)

    def authorize(actor: str, command: str, args: dict) -> None:
        if actor == "agent7":
            raise CalldeskError("agent7 (agent) may not run agent.logout")

    bus = ControlBus(controller_store, clock=lambda: 1.0, authorize=authorize)
    bus.register("agent.logout", lambda args, actor: {})
    client = ControlClient(cli_store)
    first = client.post("agent7", "agent.logout", {})
    second = client.post("sup1", "queue.explode", {})
    assert bus.poll_once() == 2
    rows = {r["id"]: r for r in controller_store.db["control_inbox"].rows}
    assert rows[first]["status"] == "error" and "may not" in rows[first]["result"]
    assert rows[second]["status"] == "error" and "unknown command" in rows[second]["result"]


def test_handler_crash_does_not_stop_the_bus(tmp_path) -> None:
    controller_store, cli_store = make(tmp_path)
    bus = ControlBus(controller_store, clock=lambda: 1.0)
    bus.register("boom", lambda args, actor: 1 / 0)
    bus.register("ok", lambda args, actor: {"ok": True})
    client = ControlClient(cli_store)
    client.post("admin", "boom")
    good = client.post("admin", "ok")
    bus.poll_once()
    assert controller_store.db["control_inbox"].get(good)["status"] == "done"


def test_no_controller_times_out_with_clear_message(tmp_path) -> None:
    _, cli_store = make(tmp_path)
    with pytest.raises(ControlError, match="no controller answered"):
        ControlClient(cli_store).call("admin", "agent.ready", {}, timeout=0.2)


def test_a_slow_command_does_not_hold_up_the_others(tmp_path) -> None:
    import gevent

    controller_store, cli_store = make(tmp_path)
    bus = ControlBus(controller_store, clock=lambda: 1.0)
    release = gevent.event.Event()
    bus.register("slow", lambda args, actor: release.wait(5) and {"slow": True})
    bus.register("fast", lambda args, actor: {"fast": True})
    client = ControlClient(cli_store)
    slow = client.post("admin", "slow")
    fast = client.post("admin", "fast")
    runner = gevent.spawn(bus.run, 0.01)
    try:
        with gevent.Timeout(3):
            while controller_store.db["control_inbox"].get(fast)["status"] != "done":
                gevent.sleep(0.01)
        assert controller_store.db["control_inbox"].get(slow)["status"] == "running"
        release.set()
        with gevent.Timeout(3):
            while controller_store.db["control_inbox"].get(slow)["status"] != "done":
                gevent.sleep(0.01)
    finally:
        runner.kill()

"""`calldesk serve` as a separate process against the simulated switch in the test's process, so
a test can `kill -9` it mid-call and start it again on the same store and recordings folder.

The sim runs at time scale 1: `serve` keeps wall time (`time.time`), so the switch's event times
and the controller's clock agree.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
import yaml

from calldesk.control import ControlClient
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.store import Store

PASSWORD = "restart-sim-pw-7"
DID = "5557000"
FLOW = """\
flow: quick
bindings: {numbers: ["5557000"]}
entry: greet
steps:
  greet: {kind: play, prompt: {silence: 300}, next: queue}
  queue: {kind: enqueue, queue: sales}
"""
# The same flow without its prompt: the run's start rides the ACD's commit (ivr.persist.settle).
FLOW_ENQUEUE_ONLY = """\
flow: quick
bindings: {numbers: ["5557000"]}
entry: queue
steps:
  queue: {kind: enqueue, queue: sales}
"""


def site_config(tmp_path: Path, sim_port: int, agents: int, wrap_up_s: float = 1.0,
                flow: str = FLOW) -> Path:
    """A site with one queue, `agents` agents on user/2001…, every bridged call recorded."""
    flows = tmp_path / "flows"
    flows.mkdir(exist_ok=True)
    (flows / "quick.yaml").write_text(flow)
    cfg: dict[str, Any] = {
        "switches": [{"name": "sim1", "host": "127.0.0.1", "port": sim_port,
                      "password": PASSWORD}],
        "store": {"path": str(tmp_path / "calldesk.sqlite")},
        "http": {"enabled": False},
        "log": {"level": "WARNING"},
        "flows": {"dir": str(flows)},
        "recordings": {"dir": str(tmp_path / "rec"),
                       "policies": {"default": {"mode": "always", "start": "bridge"}}},
        "queues": [{"name": "sales", "wrap_up_s": wrap_up_s}],
        "agents": [{"id": f"a{i}", "contact": f"user/{2001 + i}", "queues": ["sales"]}
                   for i in range(1, agents + 1)],
    }
    path = tmp_path / "calldesk.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def start_sim(tmp_path: Path, agents: int, answer_after: float = 0.2) -> SimSwitch:
    sim = SimSwitch(password=PASSWORD, time_scale=1.0, recordings_dir=tmp_path / "rec").start()
    sim.dialplan.add_did(DID, {"calldesk_flow": "quick"})
    for i in range(1, agents + 1):
        sim.add_phone(f"user/{2001 + i}", PhoneBehavior.answer(after=answer_after))
    return sim


@dataclass
class Serve:
    """One `calldesk serve` process after another, on the same configuration and store."""

    config: Path
    log_dir: Path
    proc: subprocess.Popen | None = None
    runs: int = 0
    started_at: list[float] = field(default_factory=list)  # wall time each one was launched
    up: list[tuple[float, float]] = field(default_factory=list)  # (ready, killed or stopped)

    def start(self, timeout: float = 60.0) -> None:
        self.runs += 1
        log = self.log_dir / f"serve-{self.runs}.log"
        self.started_at.append(time.time())
        with open(log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "calldesk.cli.main", "-c", str(self.config), "serve",
                 "--status-every", "3600"],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ})
        deadline = time.monotonic() + timeout
        while "switch sim1: ready" not in log.read_text():
            assert self.proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"serve not ready: {log.read_text()}"
            gevent.sleep(0.05)
        self.up.append((time.time(), float("inf")))

    def kill(self) -> None:
        """kill -9: no finalizer, no flush, sockets dropped by the kernel."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            self._down()
        self.proc = None

    def _down(self) -> None:
        if self.up and self.up[-1][1] == float("inf"):
            self.up[-1] = (self.up[-1][0], time.time())

    def watched(self, start: float, end: float) -> bool:
        """Whether a serve was ready at some point between `start` and `end` (wall times)."""
        return any(r < end and start < k for r, k in self.up)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self._down()
        self.proc = None

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.log_dir.glob("serve-*.log")))


def control(store_path: Path, command: str, args: dict[str, Any]) -> dict[str, Any]:
    """A command through the store's control inbox, as `calldesk agents …` sends it (blocking
    SQLite polling, so it runs off the gevent hub the sim lives on)."""
    def call() -> dict[str, Any]:
        store = Store.open(store_path)
        try:
            return ControlClient(store).call("cli", command, args, timeout=30)
        finally:
            store.close()

    pool = gevent.get_hub().threadpool
    return pool.apply(call)


def agent_state(store: Store, agent: str) -> str | None:
    last = None
    for e in store.journal.read(subject=agent, kind="agent.state"):
        last = e.data.get("state")
    return last


def wait_until(predicate, timeout: float, what: str, detail=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s {detail()}"
        gevent.sleep(0.05)

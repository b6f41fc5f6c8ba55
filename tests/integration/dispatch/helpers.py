"""Helpers: a simulated switch over real TCP, a real SQLite store, and AcdService on top.

Time: the service's clock is the sim's (simulated epoch seconds) and `time_scale` matches, so
leases, ring times and wrap-ups run 20x faster than wall time without any test sleeping long.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gevent

from calldesk.acd import Acd, AgentConfig, AgentPolicy, QueueConfig
from calldesk.app import wire_acd
from calldesk.engine import DispatchSettings
from calldesk.esl.connection import SwitchConnection, SwitchSettings
from calldesk.interactions import EnqueueRequest, Interactions
from calldesk.sim import SimSwitch
from calldesk.store import Store
from calldesk.telephony.switchboard import Switchboard

PASSWORD = "test-sim-pw"
SCALE = 20.0
POLICY = AgentPolicy(lease_s=10, rona_after=2, no_answer_delay_s=5, reject_delay_s=5,
                     busy_delay_s=5, callback_attempts=2, callback_retry_s=5)  # fmt: skip


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    with gevent.Timeout(timeout, AssertionError(f"condition not met in time: {what}")):
        while not (value := predicate()):
            gevent.sleep(0.005)
    return value


def make_board(sim: SimSwitch) -> Switchboard:
    conn = SwitchConnection(
        SwitchSettings("sim1", "127.0.0.1", sim.port, PASSWORD, command_timeout=3.0)
    )
    board = Switchboard([conn])
    assert board.start(wait=30) == {"sim1": True}  # a cap: ready takes milliseconds
    return board


class Desk:
    """One controller: board + store + service; `stop()` it to simulate a controller crash."""

    def __init__(self, sim: SimSwitch, store_path: str, agents: list[AgentConfig],
                 queues: list[QueueConfig], policy: AgentPolicy = POLICY,
                 make_dial: Callable[[Switchboard, Store], Any] | None = None,
                 registry: bool = False, **settings: Any) -> None:  # fmt: skip
        self.sim = sim
        self.board = make_board(sim)
        self.store = Store.open(store_path)
        self.acd = Acd(queues, agents, policy=policy, seed=7)
        self.overflows: list[Any] = []
        self.svc, self.voice = wire_acd(
            self.acd, self.board, self.store, sim.clock.epoch,
            DispatchSettings(time_scale=SCALE, **settings),
            on_overflow=lambda d, leg: self.overflows.append((d, leg)) and False,
            dial=make_dial(self.board, self.store) if make_dial else None,
            interactions=Interactions(self.store.db) if registry else None,
        )
        self.svc.start()

    def call(self, queue: str = "sales", caller_id: str = "+15550101", **kw: Any) -> str:
        """A customer calls the DID, parks, and the IVR hands the leg to the ACD."""
        uuid = self.sim.inject_call(did="5551000", caller_id=caller_id, **kw)
        wait_for(lambda: (leg := self.board.tracker.legs.get(uuid)) is not None and leg.parked)
        self.svc.enqueue(request(uuid, queue, caller_id))
        wait_for(lambda: "interaction.arrived" in self.kinds(uuid), what="enqueued")
        return uuid

    def kinds(self, subject: str) -> list[str]:
        return [e.kind for e in self.store.journal.read(subject=subject)]

    def stop(self) -> None:
        self.svc.stop()
        self.board.stop()
        self.store.close()


def request(iid: str, queue: str, caller: str, callback: str | None = None,
            address: str = "") -> EnqueueRequest:
    return EnqueueRequest(
        interaction_id=iid, medium="voice", queue=queue, priority=0, skills={}, language="en",
        caller={"id": caller, "name": "Customer"}, variables={"account": "42"},
        data={"reason": "billing"}, flow="main", flow_version="1", path=["start", "menu"],
        callback_number=callback, address=address,
    )  # fmt: skip

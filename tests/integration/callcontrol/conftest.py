"""A controller (AcdService + CallControl) over real TCP against the simulated switch, with a
real SQLite store, two agents on simulated phones and an outbound trunk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.integration.dispatch.helpers import PASSWORD, SCALE, Desk, wait_for

from calldesk.acd import AgentConfig, AgentState, QueueConfig
from calldesk.auth import Directory
from calldesk.callcontrol import CallControl, DispatcherPort
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.trunks import parse_trunks
from calldesk.trunks.dialer import OutboundDialer

DIRECTORY = Directory.from_config(
    [{"id": "alice", "role": "agent", "teams": ["red"]},
     {"id": "bob", "role": "agent", "teams": ["blue"]},
     {"id": "sup-red", "role": "supervisor", "teams": ["red"]},
     {"id": "sup-blue", "role": "supervisor", "teams": ["blue"]},
     {"id": "boss", "role": "admin"}],
    [{"id": "red", "agents": ["alice"]}, {"id": "blue", "agents": ["bob"]}],
)  # fmt: skip
TRUNKS = [{"name": "carrier-a", "max_legs": 4, "gateway": {"proxy": "203.0.113.10", "auth": "ip"},
           "acl": ["203.0.113.10"]}]  # fmt: skip
OUTBOUND = {"allow": ["+1555*"]}


class Env:
    def __init__(self, sim: SimSwitch, path: str) -> None:
        sim.add_phone("user/1001", PhoneBehavior.answer(after=0.3))
        sim.add_phone("user/1002", PhoneBehavior.answer(after=0.3))
        sim.dialplan.add("5556000", [("set", "calldesk_xfer_target=5556000"), ("answer", ""),
                                     ("park", "")])  # fmt: skip
        self.sim = sim
        agents = [AgentConfig("alice", "user/1001", queues=("sales",)),
                  AgentConfig("bob", "user/1002", queues=("support",))]  # fmt: skip
        queues = [QueueConfig("sales", wrap_up_s=30), QueueConfig("support", wrap_up_s=30)]
        self.desk = Desk(sim, path, agents, queues)
        self.dialer = OutboundDialer.build(parse_trunks(TRUNKS, env={}), OUTBOUND,
                                           self.desk.board, self.desk.store.journal,
                                           sim.clock.epoch, SCALE)  # fmt: skip
        self.cc = CallControl(DispatcherPort(self.desk.svc), self.desk.board, DIRECTORY,
                              self.desk.store.journal, self.dialer, sim.clock.epoch,
                              SCALE).attach()  # fmt: skip
        self.user = DIRECTORY.user

    def connected(self) -> tuple[str, str]:
        """A customer reaches alice: (interaction = customer leg, alice's leg)."""
        d = self.desk
        d.svc.login("alice", ready=True)
        iid = d.call("sales")
        wait_for(lambda: d.acd.agents["alice"].state is AgentState.BUSY, what="alice busy")
        leg = d.board.tracker.legs[iid]
        wait_for(lambda: leg.bridged_to is not None, what="bridged")
        return iid, leg.bridged_to

    def bridged_to(self, uuid: str) -> Any:
        """The leg `uuid` is bridged to, as the switch has it."""
        leg = self.sim.legs.get(uuid)
        return leg.peer.uuid if leg is not None and leg.peer is not None else None

    def kinds(self, iid: str) -> list[str]:
        return [k for k in self.desk.kinds(iid) if k.startswith("call.")]


@pytest.fixture
def env(tmp_path) -> Iterator[Env]:
    sim = SimSwitch(password=PASSWORD, time_scale=SCALE, recordings_dir=tmp_path).start()
    e = Env(sim, str(tmp_path / "calldesk.sqlite"))
    yield e
    e.desk.stop()
    sim.stop()

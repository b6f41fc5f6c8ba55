"""Routing by context, the language rule, end to end on the simulated switch: a caller chooses
Spanish in the IVR (a `language` step); the next day the flow reads the customer's context,
finds the language spoken last time and skips the menu, and the ACD offers the call to the agent
with the Spanish skill although the other agent has been idle longer, with the rule in the
"why this agent" trace of the offer."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.integration.recording.simcall import wait_for

from calldesk.acd import events as ev
from calldesk.app import build
from calldesk.config import load_config
from calldesk.customers.service import CustomerService
from calldesk.esl.connection import SwitchSettings
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.sim.clock import Clock
from calldesk.store import Store

PW = "pw-language"
SCALE = 10.0
DID = "+15557770001"
PHONE = "+12025550177"
DAY = 86400.0

FLOW = """flow: lang
entry: who
steps:
  who:
    kind: context
    action: read
    key: "customer:{{ caller.id }}"
    next: route
  route:
    kind: branch
    conditions:
      - when: "context.last and context.last.language"
        goto: to_support
    default: ask
  ask:
    kind: collect
    prompt: "For English press 1. Para espanol, oprima 2."
    variable: choice
    min_length: 1
    max_length: 2
    timeout: 8
    next: pick
    fallback: to_support
  pick:
    kind: branch
    conditions:
      - when: "choice == '2'"
        goto: spanish
    default: to_support
  spanish:
    kind: language
    language: es
    next: to_support
  to_support:
    kind: enqueue
    queue: support
"""


def site(tmp_path: Path) -> dict:
    return {
        "switches": [],
        "store": {"path": str(tmp_path / "db.sqlite")},
        "flows": {"dir": str(tmp_path / "flows")},
        "recordings": {"dir": str(tmp_path / "rec")},
        "queues": [{"name": "support", "context": {"languages": {"es": "spanish"}}}],
        "agents": [
            {"id": "a1", "contact": "user/101", "queues": ["support"]},
            {"id": "a2", "contact": "user/102", "queues": ["support"], "skills": {"spanish": 3}},
        ],
    }


class Day:
    """A simulated switch whose clock starts at `epoch` and a controller on the store file."""

    def __init__(self, tmp_path: Path, epoch: float) -> None:
        self.sim = SimSwitch(password=PW, time_scale=SCALE, recordings_dir=tmp_path / "rec")
        self.sim.clock = Clock(SCALE, epoch=epoch)
        self.sim.start()
        self.sim.dialplan.add_did(DID, {"calldesk_flow": "lang"})
        for n in (1, 2):
            self.sim.add_phone(f"user/10{n}", PhoneBehavior.answer(after=0.5))
        self.store = Store.open(tmp_path / "db.sqlite")
        self.ctl = build(
            load_config(tmp_path / "calldesk.yaml", env={}),
            store=self.store,
            switches=[SwitchSettings("sim", "127.0.0.1", self.sim.port, PW)],
            clock=self.sim.clock.epoch,
            time_scale=SCALE,
            check_trunks=False,
        )
        assert all(self.ctl.start(wait=10).values())

    def login(self, *agents: str) -> None:
        """Logged out first (the ACD's state survives a restart), then in, one simulated second
        apart: the first idles longest."""
        for a in agents:
            self.ctl.acd.post(ev.AgentLogout(a), wait=5)
        for a in agents:
            self.ctl.acd.post(ev.AgentLogin(a, ready=True), wait=5)
            self.sim.clock.sleep(1.0)

    def call(self, dtmf: list[tuple[float, str]]) -> tuple[str, dict]:
        """A call from PHONE until its offer; returns (interaction, the offer's journal data)."""
        uuid = self.sim.inject_call(did=DID, caller_id=PHONE, dtmf=dtmf)
        wait_for(lambda: self.ctl.interactions.last_at(uuid) is not None, timeout=20, what="call")
        iid = str(self.ctl.interactions.last_at(uuid))
        offers: list = []

        def offered() -> bool:
            offers[:] = list(self.store.journal.read(kind="interaction.offered", subject=iid))
            return bool(offers)

        wait_for(offered, timeout=30, what=f"{iid} offered")
        self.uuid = uuid
        return iid, offers[0].data

    def finish(self, iid: str) -> None:
        wait_for(
            lambda: any(self.store.journal.read(kind="interaction.answered", subject=iid)),
            timeout=20,
            what=f"{iid} answered",
        )
        self.sim.clock.sleep(5.0)
        self.sim.hangup(self.uuid)
        wait_for(
            lambda: any(self.store.journal.read(kind="interaction.ended", subject=iid)),
            timeout=10,
            what=f"{iid} ended",
        )

    def stop(self) -> None:
        self.ctl.stop()
        self.sim.stop()


@pytest.mark.timeout(180)
def test_the_language_spoken_last_time_routes_to_the_agent_who_speaks_it(tmp_path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "lang.yaml").write_text(FLOW)
    (tmp_path / "calldesk.yaml").write_text(yaml.safe_dump(site(tmp_path)))
    epoch = 1_790_000_000.0

    day1 = Day(tmp_path, epoch)
    try:
        day1.login("a1", "a2")
        first, o1 = day1.call(dtmf=[(2.0, "2#")])  # the caller chooses Spanish
        # nothing known about the caller yet: the longest idle agent, no language rule
        assert o1["agent"] == "a1", o1
        assert "language" not in o1["why"], o1["why"]
        day1.finish(first)
        finished = list(day1.store.journal.read(kind="ivr.finished", subject=first))
        assert finished and finished[-1].data["language"] == "es"
        wait_for(
            lambda: CustomerService(day1.store).customers.customer_of(first) is not None,
            timeout=10,
            what="the first call attached to its customer",
        )
    finally:
        day1.stop()

    day2 = Day(tmp_path, epoch + DAY)
    try:
        day2.login("a1", "a2")  # a1 idles longest again
        second, o2 = day2.call(dtmf=[])  # the flow skips the menu: the language is known
        assert "considered=[a2]" in o2["why"] and "rule=longest_idle" in o2["why"], o2["why"]
        assert o2["agent"] == "a2", o2
        assert "language es: skill spanish required" in o2["why"], o2["why"]
        steps = [e.data.get("step") for e in day2.store.journal.read(subject=second)]
        assert "ask" not in steps  # the menu was skipped on the customer's context
        customers = CustomerService(day2.store).customers
        wait_for(lambda: customers.customer_of(second) is not None, timeout=10, what="attached")
        assert customers.customer_of(second) == customers.customer_of(first)
        day2.finish(second)
    finally:
        day2.stop()

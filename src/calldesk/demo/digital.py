"""The demo's chat, SMS and email customers and the agents' desktop for them, in the same ACD
and store as the voice demo (`calldesk demo --media voice,chat,sms,email`).

Customers write on each medium, a short flow queues them, agents' desktops accept the offers,
answer and close; some customers leave while waiting (abandoned). Messages travel over the
in-process transport (the adapters' wire paths are tested on their own); everything else is
the real desk, ACD, journal and store. At the end each medium is accounted for from the
customers' side and from the journal; `lost` counts what the two cannot place."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gevent

from calldesk.app import wire_digital
from calldesk.digital.desk import DigitalDesk
from calldesk.digital.settings import DigitalSettings
from calldesk.digital.system import build_digital
from calldesk.digital.transport import InProcessTransport
from calldesk.ivr.dryrun import MemoryContexts, ScriptedHttp
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.runner import Runner
from calldesk.store import Entry

DIGITAL = ("chat", "sms", "email")
FLOW = """flow: demo-digital
entry: hello
steps:
  hello:
    kind: play
    prompt: "Hello, an agent will be with you shortly."
    next: queue
  queue:
    kind: enqueue
    queue: {queue}
"""


@dataclass
class Customer:
    medium: str
    address: str
    patience_s: float
    interaction: str = ""
    outcome: str = "pending"  # answered, abandoned, pending


@dataclass
class DigitalDemo:
    media: tuple[str, ...]
    per_medium: int
    seed: int = 1
    customers: list[Customer] = field(default_factory=list)
    desk: DigitalDesk | None = None
    workers: list[gevent.Greenlet] = field(default_factory=list)

    def start(self, run: Any) -> None:
        c = run.controller
        self.clock = run.sim.clock
        queue = (c.config["queues"] or [{"name": "general"}])[0]["name"]
        flows = Path(c.store.path).parent / "digital-flows"
        flows.mkdir(parents=True, exist_ok=True)
        (flows / "demo-digital.yaml").write_text(FLOW.format(queue=queue))
        library = FlowLibrary(flows)
        library.poll()
        runner = Runner(
            library,
            lambda: datetime.fromtimestamp(self.clock.epoch(), UTC),
            ScriptedHttp(),
            MemoryContexts(),
        )
        transport = InProcessTransport()
        settings = DigitalSettings(flows={m: "demo-digital" for m in DIGITAL})
        # serve's own wiring, with the demo's flow and in-process customers as the transports
        system = build_digital({}, c.store, c.acd, library, runner, c.acd.clock, {},
                               settings=settings, transports={m: transport for m in DIGITAL})
        self.desk = wire_digital(c.notifier, system).desk
        c.notifier.subscribe(self._on_journal)
        rng = random.Random(self.seed)
        for medium in self.media:
            for i in range(self.per_medium):
                cust = Customer(medium, _address(medium, i), rng.uniform(20, 240))
                self.customers.append(cust)
                self.workers.append(gevent.spawn(self._customer, cust, rng.uniform(0, 120)))

    def _customer(self, cust: Customer, delay_s: float) -> None:
        desk = self.desk
        assert desk is not None
        self.clock.sleep(delay_s)
        conv, _ = desk.receive(cust.medium, cust.address, "Hello, I need help.")
        cust.interaction = conv.id
        waited = 0.0
        while waited < cust.patience_s:
            state = desk.messages.require(conv.id).state
            if state in ("connected", "closed"):
                break
            self.clock.sleep(2.0)
            waited += 2.0
        if desk.messages.require(conv.id).state in ("bot", "queued", "offered"):
            desk.customer_left(conv.id)

    def _on_journal(self, entry: Entry) -> None:
        desk = self.desk
        if desk is None or entry.kind != "interaction.offered" or entry.subject not in desk.live:
            return
        self.workers.append(
            gevent.spawn(
                self._agent, entry.subject, str(entry.data["offer"]), str(entry.data["agent"])
            )
        )

    def _agent(self, iid: str, offer: str, agent: str) -> None:
        desk = self.desk
        assert desk is not None
        self.clock.sleep(3.0)  # the agent reads the offer
        try:
            desk.accept(offer, agent)
        except Exception:  # noqa: BLE001 - the customer left meanwhile: the ACD refuses
            return
        desk.reply(iid, agent, "Hello, how can I help?")
        self.clock.sleep(60.0)
        desk.close(iid, "agent_closed")

    def done(self) -> bool:
        desk = self.desk
        return desk is not None and all(
            c.interaction and not desk.messages.require(c.interaction).open for c in self.customers
        )

    def stop(self) -> None:
        gevent.killall(self.workers)
        if self.desk is not None:
            self.desk.stop()

    def summary(self, store: Any) -> dict[str, dict[str, Any]]:
        desk = self.desk
        assert desk is not None
        journal = _journal_counts(store)
        out = {}
        for medium in self.media:
            mine = [c for c in self.customers if c.medium == medium]
            seen = {"offered": 0, "answered": 0, "abandoned": 0, "pending": 0}
            for c in mine:
                conv = desk.messages.get(c.interaction) if c.interaction else None
                if conv is None or conv.open:
                    seen["pending"] += 1
                    continue
                offered = conv.queue != ""
                seen["offered"] += offered
                if conv.agent:
                    seen["answered"] += 1
                elif offered:
                    seen["abandoned"] += 1
            j = journal.get(medium, {"offered": 0, "answered": 0, "abandoned": 0})
            lost = (
                seen["pending"]
                + abs(seen["offered"] - j["offered"])
                + abs(seen["answered"] - j["answered"])
                + abs(seen["abandoned"] - j["abandoned"])
            )
            out[medium] = {
                "customers": len(mine),
                "offered": seen["offered"],
                "answered": seen["answered"],
                "abandoned": seen["abandoned"],
                "lost": lost,
                "journal": j,
            }
        return out


def _address(medium: str, i: int) -> str:
    if medium == "sms":
        return f"+1555010{i:04d}"
    if medium == "email":
        return f"customer{i}@demo.test"
    return f"v-demo-{i}"


def _journal_counts(store: Any) -> dict[str, dict[str, int]]:
    """Per medium from the journal alone: arrivals, answers (by the arrival's medium), abandons."""
    medium_of: dict[str, str] = {}
    out: dict[str, dict[str, int]] = {}
    for e in store.journal.read(kind_prefix="interaction."):
        if e.kind == "interaction.arrived":
            medium_of[e.subject] = str(e.data.get("medium") or "voice")
        m = medium_of.get(e.subject)
        if m is None:
            continue
        row = out.setdefault(m, {"offered": 0, "answered": 0, "abandoned": 0})
        key = {
            "interaction.arrived": "offered",
            "interaction.answered": "answered",
            "interaction.abandoned": "abandoned",
        }.get(e.kind)
        if key:
            row[key] += 1
    return out

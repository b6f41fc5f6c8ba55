"""Builds a DigitalDesk over the real engine (store, notifier) for tests."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from calldesk.acd import Acd, AgentConfig, QueueConfig
from calldesk.acd.capacity import CapacityRules
from calldesk.digital.desk import DigitalDesk
from calldesk.digital.settings import DigitalSettings
from calldesk.digital.transport import InProcessTransport
from calldesk.engine import DispatchSettings, Engine
from calldesk.ivr.dryrun import MemoryContexts, ScriptedHttp
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.runner import Runner
from calldesk.notify import Notifier
from calldesk.store import Entry, Store

CHAT_FLOW = """
flow: chatbot
entry: hello
steps:
  hello:
    kind: play
    prompt: "Hello! This is Example Bank."
    next: menu
  menu:
    kind: menu
    prompt: "Type 1 for sales or 2 for support."
    options: {1: to_sales, 2: to_support}
    labels: {1: Sales, 2: Support}
    retries: 1
    fallback: to_support
  to_sales:
    kind: collect
    prompt: "Your account number?"
    variable: account
    min_length: 5
    max_length: 10
    next: sales
    fallback: sales
  sales:
    kind: enqueue
    queue: sales
    data: {reason: "'sales'"}
  to_support:
    kind: set
    variables: {reason: "'support'"}
    next: support
  support:
    kind: enqueue
    queue: support
"""


class Clock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@dataclass
class Rig:
    store: Store
    acd_service: Engine
    desk: DigitalDesk
    transport: InProcessTransport
    clock: Clock
    published: list[Entry] = field(default_factory=list)

    def kinds(self, subject: str) -> list[str]:
        return [e.kind for e in self.published if e.subject == subject]

    def stop(self) -> None:
        self.desk.stop()
        self.acd_service.stop()
        self.store.close()


def build(
    tmp_path: Path,
    *,
    agents: list[AgentConfig] | None = None,
    queues: tuple[str, ...] = ("sales", "support"),
    flow: str = CHAT_FLOW,
    settings: DigitalSettings | None = None,
    rules: CapacityRules | None = None,
    **acd_kw: Any,
) -> Rig:
    flows_dir = tmp_path / "flows"
    flows_dir.mkdir(exist_ok=True)
    (flows_dir / "chatbot.yaml").write_text(textwrap.dedent(flow))
    library = FlowLibrary(flows_dir)
    assert not library.poll()
    store = Store.open(tmp_path / "digital.sqlite")
    notifier = Notifier()
    store.journal.notifier = notifier
    clock = Clock()
    acd = Acd(
        [QueueConfig(q) for q in queues],
        agents or [AgentConfig("alice", "user/1001", queues=queues)],
        rules=rules or CapacityRules(),
        **acd_kw,
    )
    svc = Engine(acd, store, clock, DispatchSettings()).start()  # no voice here: no adapter
    runner = Runner(
        library, lambda: datetime.fromtimestamp(clock(), UTC), ScriptedHttp(), MemoryContexts()
    )
    transport = InProcessTransport()
    settings = settings or DigitalSettings(flows={"chat": "chatbot", "sms": "chatbot"})
    desk = DigitalDesk(
        store, svc, library, runner, {"chat": transport, "sms": transport}, clock, settings
    )
    rig = Rig(store, svc, desk, transport, clock)
    notifier.subscribe(rig.published.append)
    notifier.subscribe(desk.on_journal)
    return rig

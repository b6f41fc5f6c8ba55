"""`calldesk bench digital`: message accepted → the agent's push queue, under load.

Opens N chat conversations (a one-step flow queues each), lets agents (3 chats each) accept them
all, then customers send messages at a steady rate while SMS arrive at `sms_per_s`. Each chat
message is timed from the call that accepts it (stored, journaled) to the moment the agent's
push consumer takes it from its queue (where a WebSocket writer would send it): the same path
as `/api/events`, without the socket write. Real store (SQLite WAL file), real ACD service."""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gevent
import gevent.queue

from calldesk.acd import Acd, AgentConfig, QueueConfig
from calldesk.digital.desk import DigitalDesk
from calldesk.digital.settings import DigitalSettings
from calldesk.digital.transport import InProcessTransport
from calldesk.engine import DispatchSettings, Engine
from calldesk.ivr.dryrun import MemoryContexts, ScriptedHttp
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.runner import Runner
from calldesk.notify import Notifier
from calldesk.store import Entry, Store

FLOW = "flow: bench\nentry: q\nsteps:\n  q: {kind: enqueue, queue: web}\n"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(
    conversations: int = 1000, messages: int = 5000, rate: float = 500.0, sms_per_s: float = 50.0
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="calldesk-bench-digital-") as tmp:
        return _run(Path(tmp), conversations, messages, rate, sms_per_s)


def _run(tmp: Path, conversations: int, messages: int, rate: float, sms_per_s: float) -> dict:
    (tmp / "flows").mkdir()
    (tmp / "flows" / "bench.yaml").write_text(FLOW)
    library = FlowLibrary(tmp / "flows")
    library.poll()
    store = Store.open(tmp / "bench.sqlite")
    notifier = Notifier()
    store.journal.notifier = notifier
    agents = [
        AgentConfig(
            f"a{i}",
            f"user/{1000 + i}",
            queues=("web",),
            capacity={"voice": 1, "chat": 3, "sms": 3, "email": 5},
        )
        for i in range((conversations + 2) // 3 + 10)
    ]
    acd = Acd([QueueConfig("web")], agents)
    svc = Engine(acd, store, time.time, DispatchSettings()).start()  # chat and SMS: no switch
    runner = Runner(library, lambda: datetime.now(UTC), ScriptedHttp(), MemoryContexts())
    transport = InProcessTransport()
    desk = DigitalDesk(
        store,
        svc,
        library,
        runner,
        {"chat": transport, "sms": transport},
        time.time,
        DigitalSettings(flows={"chat": "bench", "sms": "bench"}),
    )
    notifier.subscribe(desk.on_journal)
    push: gevent.queue.Queue = gevent.queue.Queue(100_000)
    sent_at: dict[str, float] = {}
    latencies: list[float] = []

    def on_entry(e: Entry) -> None:  # the agents' push hub: never blocks the appender
        if e.kind == "interaction.offered":
            gevent.spawn(desk.accept, str(e.data["offer"]), str(e.data["agent"]), 60.0)
        elif e.kind == "message.received" and e.data.get("agent"):
            push.put_nowait(e)

    def agent_sockets() -> None:
        while True:
            e = push.get()
            t0 = sent_at.pop(e.data["message"], None)
            if t0 is not None:
                latencies.append((time.perf_counter() - t0) * 1000)

    notifier.subscribe(on_entry)
    consumer = gevent.spawn(agent_sockets)
    try:
        for i in range(len(agents)):
            svc.login(f"a{i}", ready=True, wait=None)
        t_open = time.perf_counter()
        ids = [desk.receive("chat", f"v{i}", "hello")[0].id for i in range(conversations)]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if sum(1 for c in ids if desk.messages.get(c).state == "connected") == len(ids):
                break
            gevent.sleep(0.05)
        connected = sum(1 for c in ids if desk.messages.get(c).state == "connected")
        open_s = time.perf_counter() - t_open
        sms = gevent.spawn(_sms_load, desk, sms_per_s, messages / rate)
        t_run = time.perf_counter()
        for n in range(messages):
            target = t_run + n / rate
            # customers arrive over sockets: the hub switches between them and the agents' pushes
            gevent.sleep(max(0.0, target - time.perf_counter()))
            iid = ids[n % len(ids)]
            t0 = time.perf_counter()
            conv = desk.messages.get(iid)
            _, msg = desk.receive("chat", conv.address, f"message {n}")
            sent_at[msg.id] = t0
        deadline = time.monotonic() + 30
        while sent_at and time.monotonic() < deadline:
            gevent.sleep(0.01)
        elapsed = time.perf_counter() - t_run
        sms_count = sms.get()
    finally:
        consumer.kill()
        desk.stop()
        svc.stop()
        store.close()
    return {
        "conversations": conversations,
        "connected": connected,
        "open_s": round(open_s, 2),
        "messages": messages,
        "delivered": len(latencies),
        "rate_per_s": rate,
        "achieved_per_s": round(messages / elapsed, 1),
        "sms_in": sms_count,
        "sms_per_s": sms_per_s,
        "message_to_agent_p50_ms": round(statistics.median(latencies), 3) if latencies else None,
        "message_to_agent_p99_ms": round(_pct(latencies, 99), 3) if latencies else None,
        "message_to_agent_max_ms": round(max(latencies), 3) if latencies else None,
    }


def _sms_load(desk: DigitalDesk, per_s: float, seconds: float) -> int:
    """Inbound SMS from many numbers at a steady rate (they run the flow and queue)."""
    if per_s <= 0:
        return 0
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        desk.receive("sms", f"+1555020{count % 10000:04d}", "hi")
        count += 1
        delay = start + count / per_s - time.perf_counter()
        if delay > 0:
            gevent.sleep(delay)
    return count

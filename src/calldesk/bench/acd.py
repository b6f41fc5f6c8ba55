"""End-to-end ACD benchmark over real TCP: the simulated switch runs in its own process and
places `rate` calls per second on the DID; this process runs the controller (switchboard, leg
tracker, AcdService with a real SQLite store) and hands each parked caller to the ACD at once,
as the IVR's enqueue step would. Agents' phones answer after `ring_s` and hang up after `talk_s`.

Measured per call: enqueue -> originate sent, and enqueue -> bridge done (the `uuid_bridge`
reply), only for calls that found an agent free at enqueue. Also calls/s bridged, and every call
placed is accounted for: bridged, abandoned, or `unbridged` (ended or still open without an
agent); `lost` counts the calls calldesk never enqueued or left without an outcome, `stuck` the
interactions still open in the core once the traffic had drained.

Agents are sized from the rate unless given: enough for rate x (ring + talk + wrap-up) with
half again in reserve, so a shortfall shows the controller's limit, not a staffing one.
"""

from __future__ import annotations

import math
import multiprocessing
import tempfile
import time
from typing import Any

PASSWORD = "bench-acd-pw"


def _switch_process(
    port_queue: Any,
    go: Any,
    done: Any,
    rate: float,
    seconds: float,
    agents: int,
    ring_s: float,
    talk_s: float,
) -> None:  # pragma: no cover
    import gevent

    from calldesk.sim import PhoneBehavior, SimSwitch

    sim = SimSwitch(password=PASSWORD, time_scale=1.0, history=0).start()
    for i in range(agents):
        sim.add_phone(f"user/{2000 + i}", PhoneBehavior.answer(after=ring_s, hangup_after=talk_s))
    port_queue.put(sim.port)
    while not go.is_set():
        gevent.sleep(0.01)
    sent, start = 0, time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        for _ in range(int(rate * elapsed) - sent):
            sim.inject_call(did="5551000", caller_id=f"+1555{sent:07d}")
            sent += 1
        gevent.sleep(0.002)
    done.put((sent, time.monotonic() - start))
    while True:  # keep serving the calls in progress until the controller terminates us
        gevent.sleep(0.5)


def _outcomes(store: Any) -> dict[str, str]:
    """Each interaction's last outcome in the journal (answered, abandoned, overflowed, ended)."""
    out: dict[str, str] = {}
    for e in store.journal.read(kind_prefix="interaction."):
        kind = e.kind.split(".", 1)[1]
        if kind in ("answered", "abandoned", "overflowed", "ended"):
            out[e.subject] = kind
    return out


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 2)


def agents_for(rate: float, ring_s: float, talk_s: float, wrap_s: float) -> int:
    """Agents that keep up with `rate` calls/s, with half again in reserve."""
    return max(1, math.ceil(rate * (ring_s + talk_s + wrap_s + 0.2) * 1.5))


def run(
    rate: float = 100.0,
    seconds: float = 60.0,
    agents: int | None = None,
    ring_s: float = 0.05,
    talk_s: float = 1.0,
    wrap_s: float = 0.5,
) -> dict[str, Any]:
    import gevent

    from calldesk.acd import Acd, AgentConfig, AgentState, QueueConfig
    from calldesk.engine import DispatchSettings, Engine
    from calldesk.esl.connection import SwitchConnection, SwitchSettings
    from calldesk.interactions import EnqueueRequest
    from calldesk.store import Store
    from calldesk.telephony.switchboard import Switchboard
    from calldesk.voice import VoiceAdapter

    agents = agents or agents_for(rate, ring_s, talk_s, wrap_s)
    ctx = multiprocessing.get_context("spawn")
    port_queue, done, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    proc = ctx.Process(
        target=_switch_process,
        daemon=True,
        args=(port_queue, go, done, rate, seconds, agents, ring_s, talk_s),
    )
    proc.start()
    port = port_queue.get(timeout=30)
    conn = SwitchConnection(
        SwitchSettings("bench", "127.0.0.1", port, PASSWORD, command_timeout=10.0)
    )
    board = Switchboard([conn])
    tmp = tempfile.TemporaryDirectory()
    store = Store.open(f"{tmp.name}/bench.sqlite")
    cfgs = [AgentConfig(f"a{i}", f"user/{2000 + i}", queues=("q",)) for i in range(agents)]
    acd = Acd([QueueConfig("q", wrap_up_s=wrap_s)], cfgs, keep_journal=True)
    marks: dict[str, dict[str, float]] = {}
    free_at_enqueue: set[str] = set()
    available = [0]

    def trace(mark: str, iid: str) -> None:
        marks.setdefault(iid, {})[mark] = time.perf_counter()

    svc = Engine(acd, store, time.time, DispatchSettings(trace=trace))
    voice = VoiceAdapter(svc, board)  # wired as calldesk.app.wire_voice does
    svc.add_adapter("voice", voice)
    board.tracker.subscribe(voice.watch.on_leg)

    def on_leg(leg: Any, event: Any) -> None:
        if (
            event.name == "CHANNEL_PARK"
            and leg.direction == "inbound"
            and leg.variables.get("calldesk_did")
        ):
            if any(a.state is AgentState.AVAILABLE for a in acd.agents.values()):
                free_at_enqueue.add(leg.uuid)
            # In its own greenlet, as the IVR's enqueue step runs: `enqueue` waits until the
            # arrival is recorded, and this listener runs inline in the ESL reader.
            gevent.spawn(
                svc.enqueue,
                EnqueueRequest(
                    interaction_id=leg.uuid,
                    medium="voice",
                    queue="q",
                    priority=0,
                    skills={},
                    language="en",
                    caller={"id": leg.caller_number},
                    variables={},
                    data={},
                    flow="bench",
                    flow_version="1",
                    path=[],
                ),
            )

    lags: list[float] = []

    def watch_loop() -> None:  # how late a 1 ms sleep wakes: the controller's loop lag
        while True:
            t = time.perf_counter()
            gevent.sleep(0.001)
            lags.append(time.perf_counter() - t - 0.001)

    board.tracker.subscribe(on_leg)
    if not board.start(wait=10)["bench"]:
        raise RuntimeError("controller could not connect to the simulated switch")
    svc.start()
    for a in cfgs:
        svc.login(a.id, ready=True)
    available[0] = agents
    go.set()
    monitor = gevent.spawn(watch_loop)
    start = time.monotonic()
    while done.empty():
        gevent.sleep(0.05)
    sent, send_seconds = done.get()
    deadline = time.monotonic() + 10 + talk_s * 3
    while time.monotonic() < deadline and (acd.interactions or svc._inbox):
        gevent.sleep(0.1)
    took = time.monotonic() - start
    bridged = [iid for iid, m in marks.items() if "bridged" in m]
    # Bridges per second of the span from the first enqueue to the last bridge (never shorter
    # than the sending): bridges made after the sending ended count against the rate.
    starts = [m["enqueued"] for m in marks.values() if "enqueued" in m]
    ends = [marks[i]["bridged"] for i in bridged]
    span = max(send_seconds, max(ends) - min(starts)) if ends and starts else send_seconds
    to_orig = [
        m["originate_sent"] - m["enqueued"]
        for i, m in marks.items()
        if i in free_at_enqueue and "originate_sent" in m and "enqueued" in m
    ]
    to_offer = [
        m["offered"] - m["enqueued"]
        for i, m in marks.items()
        if i in free_at_enqueue and "offered" in m and "enqueued" in m
    ]
    to_ack = [
        m["originate_acked"] - m["enqueued"]
        for i, m in marks.items()
        if i in free_at_enqueue and "originate_acked" in m and "enqueued" in m
    ]
    to_bridge = [
        m["bridged"] - m["enqueued"]
        for i, m in marks.items()
        if i in free_at_enqueue and "bridged" in m and "enqueued" in m
    ]
    outcome = _outcomes(store)
    enqueued = [i for i, m in marks.items() if "enqueued" in m]
    abandoned = [i for i in enqueued if outcome.get(i) == "abandoned" and i not in bridged]
    no_outcome = [i for i in enqueued if i not in outcome and i not in set(bridged)]
    result = {
        "target_calls_per_s": rate,
        "seconds": seconds,
        "agents": agents,
        "calls_placed": sent,
        "placed_per_s": round(sent / send_seconds, 1),
        "bridged": len(bridged),
        "bridged_per_s": round(len(bridged) / span, 1),
        "bridge_span_s": round(span, 1),
        "abandoned_unbridged": len(abandoned),
        "unbridged": sent - len(bridged),
        "lost": (sent - len(enqueued)) + len(no_outcome),
        "never_enqueued": sent - len(enqueued),
        "enqueued_without_outcome": len(no_outcome),
        "enqueue_to_offer_p50_ms": _pct(to_offer, 0.5),
        "enqueue_to_offer_p99_ms": _pct(to_offer, 0.99),
        "enqueue_to_originate_p50_ms": _pct(to_orig, 0.5),
        "enqueue_to_originate_p99_ms": _pct(to_orig, 0.99),
        "enqueue_to_originate_max_ms": _pct(to_orig, 1.0),
        "enqueue_to_originate_acked_p99_ms": _pct(to_ack, 0.99),
        "enqueue_to_bridge_p50_ms": _pct(to_bridge, 0.5),
        "enqueue_to_bridge_p99_ms": _pct(to_bridge, 0.99),
        "enqueue_to_bridge_max_ms": _pct(to_bridge, 1.0),
        "loop_lag_p99_ms": _pct(lags, 0.99),
        "loop_lag_max_ms": _pct(lags, 1.0),
        "stuck": len(acd.interactions),
        "abandoned": store.journal.count("interaction.abandoned"),
        "wall_s": round(took, 1),
    }
    monitor.kill()
    svc.stop()
    board.stop()
    proc.terminate()
    proc.join(timeout=5)
    store.close()
    tmp.cleanup()
    return result

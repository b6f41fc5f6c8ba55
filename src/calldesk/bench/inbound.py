"""Inbound calls per second through the whole path: IVR -> queue -> agent, on the simulated switch.

The switch runs in its own process and places calls on a DID at a rate that ramps up stage by
stage. This process runs the controller `calldesk serve` builds (`app.build`): the flow answers
the caller and enqueues it, the ACD offers it, rings the agent's phone and bridges. Agents' phones
answer after `ring_s` and hang up `talk_s` after the caller is put through; agents are sized for
the top rate.

Each stage's callers carry a caller ID of their own (`+19<stage>…`), so a stage counts only its
own calls, each interaction once. After each stage the traffic drains (until every call has an
outcome and the core holds nothing open, giving up after `drain_s` without progress), then every
call placed is accounted for from the journal: answered (bridged to an agent), abandoned,
overflowed, or shed (turned away busy by the intake because the controller was behind:
`calldesk.telephony.admission`). `still_queued` are callers still waiting in the queue when the
drain gave up (a backlog), `lost` what is left over (calls that never reached the queue or have
no outcome), `stuck` the interactions still open in the core once the stage has drained. The ramp
stops at the first stage that sheds, loses or strands a call (`limit`). Each stage's answered
calls are counted over the span from its first arrival to its last answer: a controller slower
than the rate answers the rest during the drain, and that time counts (divided by the stage's own
seconds, a 10 s stage at 225/s read 208.8/s from a controller that sustained ~150/s). A stage
`kept_up` when its answers kept pace with its arrivals (`inbound_tally.kept_up`); `calls_per_s`
is the best clean stage that kept up (sustained: a stage that fell behind built a backlog that a
longer stage would turn into shedding), `peak_per_s` the best clean stage at all (the controller
saturated). The controller's CPU time per placed call (`cpu_ms_per_call`) leaves out the bench's
own polling. Legs still up are reported apart (`caller_legs_up`).
"""

from __future__ import annotations

import math
import multiprocessing
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from calldesk.bench import inbound_tally as tally

DID = "5551000"
FLOW = """flow: bench
bindings:
  numbers: ["{did}"]
entry: queue
steps:
  queue:
    kind: enqueue
    queue: q
"""


def _switch_process(
    password: str,
    port_queue: Any,
    commands: Any,
    replies: Any,
    agents: int,
    ring_s: float,
    talk_s: float,
) -> None:  # pragma: no cover - runs in the child process
    import gevent

    from calldesk import gctune
    from calldesk.sim import PhoneBehavior, SimSwitch

    sim = SimSwitch(password=password, time_scale=1.0, history=0).start()
    sim.dialplan.add_did(DID)
    for i in range(agents):
        # An agent talks `talk_s` once the caller is put through (not from its own answer: a
        # controller late to bridge then had its agents hang up unconnected, and requeued).
        sim.add_phone(f"user/{2000 + i}",
                      PhoneBehavior.answer(after=ring_s, hangup_after=talk_s, talk_from="bridge"))
    gctune.tune()  # this process runs the switch alone (calldesk.gctune)
    port_queue.put(sim.port)
    while True:
        while commands.empty():  # a slow poll: each wake-up costs the switch CPU
            gevent.sleep(0.05)
        command = commands.get()
        if command[0] == "stop":
            break
        if command[0] == "cpu":  # the switch's own CPU time, for its cost per call
            replies.put(time.process_time())
            continue
        _, rate, seconds, prefix = command
        # Call k is due at k / rate: the stage places every call due within it (rate x seconds),
        # catching up at once when this process was late, and reports when the last one went out.
        total, sent, refused, start = round(rate * seconds), 0, 0, time.monotonic()
        while sent + refused < total:
            elapsed = time.monotonic() - start
            for _ in range(min(total, int(rate * elapsed)) - sent - refused):
                # The caller ID names the stage: each stage counts only its own calls.
                if sim.inject_call(did=DID, caller_id=f"{prefix}{sent + refused:06d}"):
                    sent += 1
                else:
                    refused += 1
            # Wake when the next call is due, not on a fixed tick: every wake-up of this
            # process is CPU the switch's cost per call counts.
            due = (sent + refused + 1) / rate
            gevent.sleep(max(0.0, due - (time.monotonic() - start)))
        replies.put((sent, time.monotonic() - start, refused))
    sim.stop()


def _config(workdir: Path, agents: int, password: str, port: int) -> Any:
    from calldesk.config import load_config

    (workdir / "flows").mkdir()
    (workdir / "flows" / "bench.yaml").write_text(FLOW.format(did=DID))
    lines = [
        f"store: {{path: {workdir / 'calldesk.sqlite'}}}",
        f"flows: {{dir: {workdir / 'flows'}, prompts_dir: {workdir / 'flows'}}}",
        f"recordings: {{dir: {workdir / 'recordings'}}}",
        "log: {level: ERROR}",
        "queues: [{name: q, wrap_up_s: 0.5}]",
        "agents:",
        *[f"  - {{id: a{i}, contact: user/{2000 + i}, queues: [q]}}" for i in range(agents)],
    ]
    (workdir / "calldesk.yaml").write_text("\n".join(lines) + "\n")
    env = {"CALLDESK_ESL_URL": f"esl://:{password}@127.0.0.1:{port}"}
    return load_config(workdir / "calldesk.yaml", env=env)


def _stage(
    controller: Any,
    commands: Any,
    replies: Any,
    rate: float,
    seconds: float,
    drain_s: float,
    index: int,
) -> dict[str, Any]:
    import gevent

    prefix = f"+19{index:03d}"
    switch_cpu0 = _switch_cpu(commands, replies)
    cpu0 = time.process_time()
    commands.put(("stage", rate, seconds, prefix))
    while replies.empty():
        gevent.sleep(0.05)
    placed, took, refused = replies.get()
    # Drain: until every call of this stage has an outcome and the core holds nothing open.
    drain_start = time.monotonic()
    waiting, polling = tally.Drain(drain_start, drain_s), 0.0
    while True:
        p0 = time.process_time()
        # The bench's own checks run on the controller's loop: the in-memory one first, the
        # SQL counts (tens of ms on a big store) only once nothing is open.
        open_now = tally.open_interactions(controller)
        done = not open_now
        if done:
            c = tally.counts(controller.store, prefix)
            done = c["accounted"] + c["shed"] >= placed
        polling += time.process_time() - p0  # the bench's own queries: not the controller's
        if done or not waiting.wait_on(open_now, time.monotonic()):
            break
        gevent.sleep(0.2)
    drained = time.monotonic() - drain_start
    cpu = time.process_time() - cpu0 - polling
    switch_cpu = _switch_cpu(commands, replies) - switch_cpu0
    c = tally.counts(controller.store, prefix)
    answered = c.get("answered", 0)
    seen = tally.answers(controller.store, prefix)
    span = seen["span_s"]
    return {
        "rate": rate,
        "placed": placed,
        "placed_per_s": round(placed / took, 1),
        "refused_by_switch": refused,
        "opened": c["opened"],
        "enqueued": c.get("arrived", 0),
        "answered": answered,
        # What the controller delivered: answered calls per second from the stage's first
        # arrival to its last answer. Not per second of the stage: a controller slower than the
        # rate answers the rest during the drain, and that backlog counts against it.
        "answered_per_s": round(answered / max(span, took), 1) if span else 0.0,
        # Answers kept pace with arrivals (no backlog grew): a sustainable rate.
        "kept_up": tally.kept_up(answered, placed, took, span, seen["wait_min_s"]),
        "answer_span_s": round(span, 1) if span else None,
        # A caller's wait from arrival to an agent's answer (the phone rings ring_s).
        "answer_wait_p50_s": seen["wait_p50_s"],
        "answer_wait_p99_s": seen["wait_p99_s"],
        "answered_again": c.get("answer_rows", 0) - answered,  # requeued, then answered again
        "abandoned": c.get("abandoned", 0),
        "overflowed": c.get("overflowed", 0),
        # Turned away busy at the intake: the controller was behind (a defined outcome).
        "shed": c["shed"],
        # Still in the queue when the drain gave up (they wait longer: a backlog, not a loss;
        # the ramp still stops there, as they are `stuck` too).
        "still_queued": (queued := tally.still_queued(controller, prefix)),
        # Placed calls with no outcome and not queued (never reached the queue, or no end).
        "lost": max(0, placed - c["accounted"] - c["shed"] - queued),
        "stuck": tally.open_interactions(controller),
        # This stage's callers whose leg is still up after the drain.
        "caller_legs_up": tally.caller_legs_up(controller, prefix),
        # From the last call placed until every call had an outcome: a call lasts ring_s +
        # talk_s, so much more than that is work the controller still owed (a backlog that a
        # longer stage would see grow into shedding).
        "drain_s": round(drained, 1),
        "controller_cpu_s": round(cpu, 2),
        "cpu_ms_per_call": round(1000 * cpu / placed, 2) if placed else None,
        # The simulated switch's CPU per placed call (its own process: the other core's load).
        "switch_cpu_ms_per_call": round(1000 * switch_cpu / placed, 2) if placed else None,
    }


def _switch_cpu(commands: Any, replies: Any) -> float:
    import gevent

    commands.put(("cpu",))
    while replies.empty():
        gevent.sleep(0.01)
    return float(replies.get())


def run(
    start: float = 25.0,
    step: float = 25.0,
    max_rate: float = 400.0,
    stage_seconds: float = 30.0,
    ring_s: float = 0.2,
    talk_s: float = 2.0,
    drain_s: float = 20.0,
) -> dict[str, Any]:
    import logging

    from calldesk import gctune
    from calldesk.app import build
    from calldesk.store import Store

    quiet = logging.getLogger("calldesk")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # overload makes the controller log; the figures say it
    agents = max(1, math.ceil(max_rate * (ring_s + talk_s + 0.5 + 0.3) * 1.3))
    password = secrets.token_urlsafe(18)
    ctx = multiprocessing.get_context("spawn")
    port_queue, commands, replies = ctx.Queue(), ctx.Queue(), ctx.Queue()
    proc = ctx.Process(
        target=_switch_process,
        args=(password, port_queue, commands, replies, agents, ring_s, talk_s),
        daemon=True,
    )
    proc.start()
    tmp = tempfile.TemporaryDirectory(prefix="calldesk-bench-inbound-")
    controller = None
    stages: list[dict[str, Any]] = []
    try:
        port = port_queue.get(timeout=60)
        config = _config(Path(tmp.name), agents, password, port)
        store = Store.open(config.path("store.path"))
        controller = build(config, store=store, check_trunks=False)
        if not all(controller.start(wait=15).values()):
            raise RuntimeError("the controller could not connect to the simulated switch")
        for a in range(agents):
            controller.acd.login(f"a{a}", ready=True)
        gctune.tune()  # as `serve` does after its start (calldesk.gctune)
        rate = start
        while rate <= max_rate:
            stage = _stage(controller, commands, replies, rate, stage_seconds, drain_s, len(stages))
            stages.append(stage)
            if stage["lost"] or stage["stuck"] or stage["shed"]:
                break  # the limit: past it calls are shed (or, a defect, lost or stranded)
            rate += step
    finally:
        commands.put(("stop",))
        if controller is not None:
            controller.stop()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()
        tmp.cleanup()
        quiet.setLevel(level)
    clean = [s for s in stages if not (s["lost"] or s["stuck"] or s["shed"])]
    best = max((s for s in clean if s["kept_up"]), key=lambda s: s["answered_per_s"], default=None)
    peak = max(clean, key=lambda s: s["answered_per_s"], default=None)
    limit = next((s for s in stages if s["lost"] or s["stuck"] or s["shed"]), None)
    keys = ("rate", "placed", "answered", "answered_per_s", "shed", "still_queued", "lost", "stuck",
            "drain_s")
    return {
        # The best stage that kept up with nothing shed, lost or stuck: its answered calls/s
        # (sustained) and its losses.
        "calls_per_s": best["answered_per_s"] if best else 0.0,
        "at_rate": best["rate"] if best else None,
        # The best clean stage, kept up or not: what the controller answers when saturated.
        "peak_per_s": peak["answered_per_s"] if peak else 0.0,
        "peak_at_rate": peak["rate"] if peak else None,
        "lost": best["lost"] if best else (limit or {}).get("lost", 0),
        "stuck": best["stuck"] if best else (limit or {}).get("stuck", 0),
        "drain_s": best["drain_s"] if best else None,
        "cpu_ms_per_call": best["cpu_ms_per_call"] if best else None,
        "switch_cpu_ms_per_call": best["switch_cpu_ms_per_call"] if best else None,
        # Where the ramp stopped: the first stage that shed callers (the controller fell behind
        # and turned new callers away busy), or lost or stranded any; None if it never did.
        "limit": {k: limit[k] for k in keys} if limit else None,
        "agents": agents,
        "stage_seconds": stage_seconds,
        "stages": stages,
    }

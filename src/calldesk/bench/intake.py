"""Controller event intake over TCP: the simulated switch (in its own process) fires leg events at
a set rate; the controller (this process) reads, frames, parses, folds them into legs and runs a
handler in each leg's lane. Reported: events/s sustained, and handler lag percentiles measured
from the moment the frame's bytes came out of the controller's socket (`recv` returned) to the
moment the handler ran: the controller's own delay, whatever the sender's clock says."""

from __future__ import annotations

import multiprocessing
import re
import time
from typing import Any

PASSWORD = "bench-intake-pw"


def _switch_process(
    port_queue, go, rate: float, seconds: float, legs: int, done
) -> None:  # pragma: no cover
    import gevent

    from calldesk.sim import SimSwitch

    sim = SimSwitch(password=PASSWORD, time_scale=1.0, history=0).start()
    uuids = [sim.inject_call(did="5551000", caller_id=f"+1555{i:07d}") for i in range(legs)]
    gevent.sleep(0.5)
    port_queue.put(sim.port)
    while not go.is_set():
        gevent.sleep(0.01)
    tick = 0.005
    per_tick = rate * tick
    sent, owed, start = 0, 0.0, time.monotonic()
    digit = [("DTMF-Digit", "5"), ("DTMF-Duration", "2000"), ("DTMF-Source", "APP")]
    while (elapsed := time.monotonic() - start) < seconds:
        owed = rate * elapsed - sent
        n = int(min(owed, per_tick * 4))
        for _ in range(n):
            leg = sim.legs.get(uuids[sent % legs])
            if leg is not None:
                sim.fire(leg, "DTMF", post=digit)
            sent += 1
        gevent.sleep(tick)
    done.put((sent, time.monotonic() - start))
    gevent.sleep(2.0)
    sim.stop()


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


class ArrivalStamps:
    """Event-Sequence -> when `recv` handed the frame's bytes to the frame reader. While
    installed, the frame reader of this process (the benchmark's controller) is wrapped."""

    _SEQUENCE = re.compile(rb"\nEvent-Sequence: ([0-9]+)\n")

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self._original: Any = None

    def install(self) -> None:
        from calldesk.esl.frames import Frame, FrameReader

        original = self._original = FrameReader.feed
        at, pattern = self.at, self._SEQUENCE

        # the parameter is named `self` as in FrameReader.feed, which this replaces
        def feed(self: FrameReader, data: bytes) -> list[Frame]:
            now = time.perf_counter()
            frames = original(self, data)
            for frame in frames:
                found = pattern.search(frame.body)
                if found is not None:
                    at[found[1].decode()] = now
            return frames

        FrameReader.feed = feed  # type: ignore[method-assign]

    def remove(self) -> None:
        from calldesk.esl.frames import FrameReader

        if self._original is not None:
            FrameReader.feed = self._original  # type: ignore[method-assign]
            self._original = None


def _drive(go: Any, done: Any, received: list[int]) -> tuple[int, float, float]:
    """Start the switch's traffic and wait until it is sent and received (or 5 s more)."""
    import gevent

    go.set()
    start = time.monotonic()
    while done.empty():
        gevent.sleep(0.05)
    sent, send_seconds = done.get()
    deadline = time.monotonic() + 5
    while received[0] < sent and time.monotonic() < deadline:
        gevent.sleep(0.05)
    return sent, send_seconds, time.monotonic() - start


def run(rate: float = 5000.0, seconds: float = 30.0, legs: int = 100) -> dict:
    from calldesk.esl.connection import SwitchConnection, SwitchSettings
    from calldesk.telephony.switchboard import Switchboard

    ctx = multiprocessing.get_context("spawn")
    port_queue, done, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    proc = ctx.Process(
        target=_switch_process, args=(port_queue, go, rate, seconds, legs, done), daemon=True
    )
    proc.start()
    port = port_queue.get(timeout=30)
    conn = SwitchConnection(
        SwitchSettings("bench", "127.0.0.1", port, PASSWORD, command_timeout=10.0)
    )
    board = Switchboard([conn])
    lags: list[float] = []
    received = [0]

    def handler(event) -> None:
        if event.name == "DTMF":
            arrived = arrivals.pop(event.sequence or "", None)
            if arrived is not None:
                lags.append(time.perf_counter() - arrived)
            received[0] += 1

    conn.add_handler(handler)
    stamps = ArrivalStamps()
    arrivals = stamps.at
    stamps.install()
    try:
        if not board.start(wait=10)["bench"]:
            raise RuntimeError("controller could not connect to the simulated switch")
        sent, send_seconds, took = _drive(go, done, received)
    finally:
        stamps.remove()
        board.stop()
        proc.join(timeout=5)
    lags.sort()
    return {
        "target_events_per_s": rate,
        "sent": sent,
        "switch_events_per_s": round(sent / send_seconds),
        "received": received[0],
        "controller_events_per_s": round(received[0] / took),
        "lag_from": "frame read from the controller's socket",
        "lag_p50_ms": round(_percentile(lags, 0.50) * 1000, 1),
        "lag_p99_ms": round(_percentile(lags, 0.99) * 1000, 1),
        "lag_max_ms": round((lags[-1] if lags else 0) * 1000, 1),
        "legs": legs,
    }

"""`calldesk.bench.api_segments`: each switch charges the CPU time since the previous one to
the greenlet that ran, by what it was spawned to run; loop iterations are measured from one
poll to the next, with the kinds that filled the longest; the collector's passes are timed.
A fake clock makes every figure exact."""

from __future__ import annotations

import gevent
import greenlet

from calldesk.bench.api_segments import Tracer


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def work() -> None:
    gevent.sleep(0)


def test_segments_are_charged_to_the_greenlet_that_ran() -> None:
    clock = Clock()
    tracer = Tracer(clock)
    g = gevent.spawn(work)
    hub = gevent.get_hub()
    clock.t = 0.030  # 30 ms in g before it yields to the hub
    tracer.trace("switch", (g, hub))
    clock.t = 0.0302  # 0.2 ms in the hub
    tracer.trace("switch", (hub, g))
    tracer.trace("switch", (g, hub))  # 0 ms
    tracer.trace("other", (g, hub))  # not a switch: ignored
    g.kill()
    out = tracer.report()
    kinds = {k["kind"]: k for k in out["kinds"]}
    mine = kinds[f"{__name__}.work"]
    assert mine["count"] == 2 and mine["total_ms"] == 30.0 and mine["max_ms"] == 30.0
    assert kinds["hub"]["count"] == 1 and kinds["hub"]["max_ms"] == 0.2
    assert out["segments"]["<= 50 ms"] == 1 and out["segments"]["<= 0.5 ms"] == 1
    assert out["segments"]["<= 0.1 ms"] == 1
    assert [x["ms"] for x in out["longest"]] == [30.0]  # >= 5 ms: kept with where it yielded
    assert out["longest"][0]["kind"] == f"{__name__}.work"


def test_iterations_and_what_filled_them() -> None:
    clock = Clock()
    tracer = Tracer(clock)
    g = greenlet.greenlet(work)
    hub = gevent.get_hub()
    clock.t = 0.001
    tracer.trace("switch", (hub, g))
    tracer.on_iteration()  # a 1 ms iteration
    clock.t = 0.026
    tracer.trace("switch", (g, hub))  # 25 ms of g ...
    clock.t = 0.031
    tracer.trace("switch", (hub, g))  # ... and 5 of the hub
    tracer.on_iteration()  # a 30 ms iteration: kept, with its kinds
    out = tracer.report()
    assert out["iterations"]["<= 1 ms"] == 1 and out["iterations"]["<= 50 ms"] == 1
    (longest,) = out["longest_iterations"]
    assert longest["ms"] == 30.0
    assert list(longest["kinds_ms"].values()) == [25.0, 5.0]
    assert list(longest["kinds_ms"])[1] == "hub"


def test_collector_passes_are_timed() -> None:
    tracer = Tracer(Clock())
    tracer.on_gc("start", {"generation": 2})
    tracer.on_gc("stop", {"generation": 2})
    gc = tracer.report()["gc"]
    assert gc["2"]["count"] == 1 and gc["2"]["max_ms"] >= 0.0

"""The event loop's lag watch, and how `calldesk bench api` reads it (with the request time)
back from serve's `/metrics`."""

from __future__ import annotations

import math

import gevent
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from calldesk.bench.api_metrics import WRITE_ROUTE, figures, parse, percentile
from calldesk.web.loopwatch import LoopWatch


def test_late_wake_ups_are_observed_and_the_worst_kept() -> None:
    seen: list[float] = []
    watch = LoopWatch(seen.append)
    for s in (0.001, 0.2, -0.0001, 0.05):
        watch.late(s)
    assert seen == [0.001, 0.2, 0.0, 0.05] and watch.max_s == 0.2


def test_the_watch_runs_in_the_hub_until_stopped() -> None:
    seen: list[float] = []
    watch = LoopWatch(seen.append, tick_s=0.001).start()
    gevent.sleep(0.05)
    watch.stop()
    n = len(seen)
    gevent.sleep(0.02)
    assert n > 0 and len(seen) == n and all(s >= 0 for s in seen)


def _text(observations: dict[str, list[float]], lag: list[float]) -> str:
    r = CollectorRegistry()
    buckets = (0.001, 0.005, 0.01, 0.05, 0.1, 1)
    req = Histogram("calldesk_http_request_seconds", "t", ["route"], registry=r, buckets=buckets)
    loop = Histogram("calldesk_loop_lag_seconds", "t", registry=r, buckets=buckets)
    for route, values in observations.items():
        for v in values:
            req.labels(route).observe(v)
    for v in lag:
        loop.observe(v)
    return generate_latest(r).decode()


def test_percentiles_of_what_grew_between_two_scrapes() -> None:
    before = parse(_text({"/api/queues": [0.5]}, [2.0]))  # before the window: left out
    after = parse(
        _text(
            {"/api/queues": [0.5] + [0.002] * 99 + [0.04], WRITE_ROUTE: [0.0005, 0.08]},
            [2.0] + [0.0005] * 99 + [0.03],
        )
    )
    got = figures(before, after)
    assert got["serve_loop_lag_p99_ms"] == 1.0  # 99 of the 100 new wake-ups within 1 ms
    assert got["serve_loop_lag_max_ms"] == 50.0
    assert got["serve_read_p99_ms"] == 5.0 and got["serve_write_p99_ms"] == 100.0
    assert got["serve_request_p50_ms"] == 5.0


def test_no_observations_and_beyond_the_last_bound() -> None:
    empty = parse(_text({}, []))
    assert (
        percentile(empty["calldesk_loop_lag_seconds"], empty["calldesk_loop_lag_seconds"], 0.99)
        is None
    )
    late = parse(_text({}, [3.0]))
    assert (
        percentile(empty["calldesk_loop_lag_seconds"], late["calldesk_loop_lag_seconds"], 1.0)
        == math.inf
    )

"""What `calldesk bench api` reads from serve's own `/metrics` before and after the measured
window: the event loop's lag (`calldesk_loop_lag_seconds`) and the server-side request time
(`calldesk_http_request_seconds`, every route), as percentiles of the histograms' growth.
A percentile is the upper bound of the bucket it falls in ("at most")."""

from __future__ import annotations

import http.client
import math
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

WATCHED = ("calldesk_loop_lag_seconds", "calldesk_http_request_seconds")


def scrape(port: int, token: str) -> dict[str, dict[float, float]]:
    """Per watched histogram, its cumulative bucket counts (summed over labels) by bound."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
    text = conn.getresponse().read().decode()
    conn.close()
    return parse(text)


WRITE_ROUTE = "/api/agents/{id}/state"  # the bench's only state change


def parse(text: str) -> dict[str, dict[float, float]]:
    out: dict[str, dict[float, float]] = {name: {} for name in (*WATCHED, "write", "read")}
    for family in text_string_to_metric_families(text):
        if family.name not in WATCHED:
            continue
        for s in family.samples:
            if s.name.endswith("_bucket"):
                le = float(s.labels["le"])
                out[family.name][le] = out[family.name].get(le, 0.0) + s.value
                route = s.labels.get("route")
                if route:
                    part = out["write" if route == WRITE_ROUTE else "read"]
                    part[le] = part.get(le, 0.0) + s.value
    return out


def percentile(before: dict[float, float], after: dict[float, float], q: float) -> float | None:
    """The bucket bound (ms) under which a fraction `q` of the observations between the two
    scrapes fell; None without observations; inf when past the last finite bound."""
    bounds = sorted(after)
    grown = [after[b] - before.get(b, 0.0) for b in bounds]
    if not grown or grown[-1] <= 0:
        return None
    want = q * grown[-1]
    for bound, count in zip(bounds, grown, strict=True):
        if count >= want:
            return bound * 1000 if not math.isinf(bound) else math.inf
    return math.inf


def figures(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float | None]:
    loop = (before["calldesk_loop_lag_seconds"], after["calldesk_loop_lag_seconds"])
    req = (before["calldesk_http_request_seconds"], after["calldesk_http_request_seconds"])
    return {
        "serve_loop_lag_p99_ms": percentile(*loop, 0.99),
        "serve_loop_lag_max_ms": percentile(*loop, 1.0),
        "serve_request_p50_ms": percentile(*req, 0.5),
        "serve_request_p99_ms": percentile(*req, 0.99),
        "serve_read_p99_ms": percentile(before["read"], after["read"], 0.99),
        "serve_write_p99_ms": percentile(before["write"], after["write"], 0.99),
    }

"""`/metrics` in Prometheus text format (prometheus-client), on its own registry.

Counted as they happen: HTTP requests by route and status (and their latency), journal entries
by kind family, offers and RONAs, switch events and their intake lag. Read at scrape time:
ESL health per switch, live legs, interactions by state and medium, queue waiting and longest
wait, agents by state, and the event loop's lag (`calldesk.web.loopwatch`). Access: a bearer token (`http.metrics_token_env`) or, without one
configured, loopback clients only.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from calldesk.store.journal import Entry
from calldesk.web.api import error_response
from calldesk.web.loopwatch import LoopWatch

log = logging.getLogger(__name__)


class Metrics:
    def __init__(self, web: Any, token: str = "") -> None:
        self.web, self.token = web, token
        self._children: dict[tuple, Any] = {}
        self.registry = CollectorRegistry()
        r = self.registry
        self.http = Counter(
            "calldesk_http_requests", "HTTP requests", ["route", "method", "status"], registry=r
        )
        self.latency = Histogram(
            "calldesk_http_request_seconds",
            "HTTP request time",
            ["route"],
            registry=r,
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1, 5),
        )
        self.entries = Counter(
            "calldesk_journal_entries", "Journal entries", ["family"], registry=r
        )
        self.offers = Counter("calldesk_offers", "Offers made to agents", registry=r)
        self.rona = Counter("calldesk_rona", "Agents made not ready for missed offers", registry=r)
        self.events = Counter(
            "calldesk_switch_events", "Switch events taken in", ["switch"], registry=r
        )
        self.lag = Histogram(
            "calldesk_switch_event_lag_seconds",
            "Event date to intake",
            registry=r,
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5),
        )
        self.loop_lag = Histogram(
            "calldesk_loop_lag_seconds",
            "How late the event loop woke a timer (every request and push shares the loop)",
            registry=r,
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1, 5),
        )
        self.loop = LoopWatch(self.loop_lag.observe)
        r.register(_Live(web))
        notifier = web.store.journal.notifier
        if notifier is not None:
            notifier.subscribe(self.entry)
        board = web.extras.get("board")
        if board is not None:
            board.tracker.subscribe(self.switch_event)

    def _child(self, metric: Any, *labels: str) -> Any:
        """A labelled child, looked up once (prometheus-client's `labels` is costly per call,
        and these run for every request, journal entry and switch event)."""
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        self._child(self.http, route, method, str(status)).inc()
        self._child(self.latency, route).observe(seconds)

    def entry(self, e: Entry) -> None:
        self._child(self.entries, e.kind.split(".")[0]).inc()
        if e.kind == "interaction.offered":
            self.offers.inc()
        elif e.kind == "agent.rona":
            self.rona.inc()

    def switch_event(self, leg: Any, event: Any) -> None:
        from calldesk.telephony.legs import event_time

        self._child(self.events, leg.switch or "-").inc()
        at = event_time(event)
        if at:
            self.lag.observe(max(0.0, self.web.clock() - at))

    def allowed(self) -> bool:
        header = request.headers.get("Authorization", "")
        if self.token:
            return hmac.compare_digest(header, f"Bearer {self.token}")
        try:
            return ipaddress.ip_address(request.remote_addr or "").is_loopback
        except ValueError:
            return False


class _Live(Collector):
    def __init__(self, web: Any) -> None:
        self.web = web

    def collect(self) -> Iterator[GaugeMetricFamily]:
        s, now = self.web.services, self.web.clock()
        board = self.web.extras.get("board")
        up = GaugeMetricFamily("calldesk_switch_up", "ESL connection ready", labels=["switch"])
        legs = GaugeMetricFamily("calldesk_legs", "Live legs", labels=["switch"])
        for name, h in (board.health() if board is not None else {}).items():
            up.add_metric([name], 1.0 if h["state"] == "ready" else 0.0)
            legs.add_metric([name], h["legs"])
        yield up
        yield legs
        its = GaugeMetricFamily("calldesk_interactions", "Interactions", labels=["state", "medium"])
        counts: dict[tuple[str, str], int] = {}
        for it in s.views.interactions.values():
            if it.ended_at is None:
                counts[(it.state, it.medium)] = counts.get((it.state, it.medium), 0) + 1
        for (state, medium), n in sorted(counts.items()):
            its.add_metric([state, medium], n)
        yield its
        waiting = GaugeMetricFamily("calldesk_queue_waiting", "Waiting", labels=["queue"])
        longest = GaugeMetricFamily(
            "calldesk_queue_longest_wait_seconds", "Longest wait", labels=["queue"]
        )
        for q in s.queues.sl:
            v = s.views.queue(q, now)
            waiting.add_metric([q], v.waiting)
            longest.add_metric([q], v.longest_wait_s)
        yield waiting
        yield longest
        agents = GaugeMetricFamily("calldesk_agents", "Agents by state", labels=["state"])
        by: dict[str, int] = {}
        for a in s.agents.names:
            st = s.views.agent(a, now).state
            by[st] = by.get(st, 0) + 1
        for st, n in sorted(by.items()):
            agents.add_metric([st], n)
        yield agents
        watch = getattr(self.web.metrics, "loop", None)
        if watch is not None:
            worst = GaugeMetricFamily(
                "calldesk_loop_lag_max_seconds", "The latest timer wake-up of the event loop"
            )
            worst.add_metric([], watch.max_s)
            yield worst


def register(app: Flask, web: Any) -> None:
    @app.route("/metrics", methods=["GET"])
    def metrics() -> Response:
        if not web.metrics.allowed():
            return error_response(
                401 if web.metrics.token else 403,
                "unauthorized",
                "metrics: bearer token required"
                if web.metrics.token
                else "metrics: loopback clients only",
            )
        return Response(generate_latest(web.metrics.registry), mimetype=CONTENT_TYPE_LATEST)

"""Discrete-event loop in virtual time driving the pure ACD core. No sockets, no wall clock.

Simulated agents answer every offer at once and hang up after the sampled handle time; callers
hang up after their sampled patience unless answered first. Figures are folded from the core's
journal, the same records the real system writes.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass

from calldesk.acd import Acd, DialCallback, JournalRecord, Offer
from calldesk.acd import events as ev
from calldesk.acd.interaction import InteractionState
from calldesk.sim.virtual.model import QueueResult, Scenario, Traffic

ARRIVAL, PATIENCE, END, TICK = 0, 1, 2, 3


@dataclass
class SimResult:
    scenario: Scenario
    queues: dict[str, QueueResult]
    total: QueueResult
    horizon_s: float
    end_s: float
    decisions: int

    def units(self, queue: str) -> int:
        """How many of this queue's interactions an agent holds at once (its medium's limit)."""
        media = [t.medium for t in self.scenario.traffic if t.queue == queue] or ["voice"]
        return max(1, self.scenario.rules.limits.get(media[0], 1))

    def staff(self, queue: str | None = None) -> int:
        if queue is None:
            return len(self.scenario.agents)
        return sum(1 for a in self.scenario.agents if queue in a.queues)


class Simulator:
    def __init__(self, scenario: Scenario) -> None:
        self.sc = scenario
        self.rng = random.Random(scenario.seed)
        self.acd = Acd(
            scenario.queues, scenario.agents, rules=scenario.rules, policy=scenario.policy,
            seed=scenario.seed,
        )  # fmt: skip
        self.heap: list[tuple[float, int, int, object]] = []
        self.seq = 0
        self.next_tick: float | None = None
        self.horizon = scenario.hours * 3600.0
        self.results = {q.name: QueueResult() for q in scenario.queues}
        self.stream_of: dict[str, Traffic] = {}
        self.arrived_in_horizon: set[str] = set()
        self.decisions = 0

    def _push(self, at: float, kind: int, payload: object) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, payload))

    def run(self) -> SimResult:
        for a in self.sc.agents:
            self._feed(ev.AgentLogin(a.id, ready=True), 0.0)
        for i, t in enumerate(self.sc.traffic):
            if t.calls_per_hour > 0:
                self._push(self.rng.expovariate(t.calls_per_hour / 3600.0), ARRIVAL, i)
        n = 0
        now = 0.0
        while self.heap:
            now, _, kind, payload = heapq.heappop(self.heap)
            if kind == ARRIVAL:
                self._arrival(int(payload), now)  # type: ignore[call-overload]
                n += 1
            elif kind == PATIENCE:
                it = self.acd.view().interaction(str(payload))
                if it is not None and it.state in (
                    InteractionState.WAITING,
                    InteractionState.OFFERED,
                ):
                    self._feed(ev.InteractionEnded(str(payload), "abandon"), now)
            elif kind == END:
                self._feed(ev.InteractionEnded(str(payload)), now)
            elif kind == TICK and payload == self.next_tick:
                self.next_tick = None
                self._feed(ev.Tick(), now)
        total = QueueResult()
        for r in self.results.values():
            for f in vars(total):
                setattr(total, f, getattr(total, f) + getattr(r, f))
            total.longest_wait_s = max(r.longest_wait_s for r in self.results.values())
        return SimResult(self.sc, self.results, total, self.horizon, now, self.decisions)

    def _arrival(self, i: int, now: float) -> None:
        t = self.sc.traffic[i]
        nxt = now + self.rng.expovariate(t.calls_per_hour / 3600.0)
        if nxt <= self.horizon:
            self._push(nxt, ARRIVAL, i)
        self.seq += 1
        iid = f"c{self.seq}"
        self.stream_of[iid] = t
        if t.patience_s:
            self._push(now + self.rng.expovariate(1.0 / t.patience_s), PATIENCE, iid)
        self._feed(ev.InteractionArrived(iid, t.queue, medium=t.medium, skills=t.skills), now)

    def _feed(self, event: ev.Event, now: float) -> None:
        todo = self.acd.handle(event, now)
        while todo:
            follow: list[ev.Event] = []
            for d in todo:
                self.decisions += 1
                if isinstance(d, Offer):
                    follow.append(ev.OfferAccepted(d.id))
                    t = self.stream_of[d.interaction]
                    self._push(now + t.handle_time(self.rng), END, d.interaction)
                elif isinstance(d, DialCallback):
                    follow.append(ev.CallbackConnected(d.interaction))
            todo = self.acd.handle_many(follow, now) if follow else []
        self._fold(self.acd.drain_journal())
        due = self.acd.next_deadline()
        if due is not None and (self.next_tick is None or due < self.next_tick):
            self.next_tick = due
            self._push(due, TICK, due)

    def _fold(self, records: list[JournalRecord]) -> None:
        sl = self.sc.sl_seconds
        for _at, kind, subject, data in records:
            if kind == "interaction.arrived":
                self.results[data["queue"]].offered += 1
            elif kind == "interaction.answered":
                r, w = self.results[data["queue"]], data["wait"]
                r.answered += 1
                r.answered_in_sl += w <= sl
                r.wait_answered_s += w
                r.longest_wait_s = max(r.longest_wait_s, w)
            elif kind == "interaction.abandoned":
                r = self.results[data["queue"]]
                r.abandoned += 1
                r.longest_wait_s = max(r.longest_wait_s, data["wait"])
                self.stream_of.pop(subject, None)
            elif kind == "interaction.overflowed":
                self.results[data["queue"]].overflowed += 1
                self.stream_of.pop(subject, None)
            elif kind == "interaction.ended":
                self.results[data["queue"]].handle_s += data["talk"]
                self.stream_of.pop(subject, None)


def simulate(scenario: Scenario) -> SimResult:
    return Simulator(scenario).run()

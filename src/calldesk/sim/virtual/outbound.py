"""Outbound in virtual time: the dialer's pacing core against simulated callees and agents.

Every `pacing_interval_s` the pacer decides how many attempts to place; each attempt's ring
phase ends as the scenario samples it. An answer that needs an agent takes a free one at once,
or waits up to `grace_s` (AMD time included) and is then abandoned: the safe-harbour message
plays and it counts against the cap. Agents take blended inbound callers first.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass, field

from calldesk.dialer.events import (
    AgentChanged,
    AnswerAbandoned,
    AnswerConnected,
    AttemptPlaced,
    AttemptResolved,
    InboundLoad,
)
from calldesk.dialer.pacing import Pacer, PacingConfig
from calldesk.dialer.stats import Priors
from calldesk.sim.virtual.outbound_campaign import CampaignRun
from calldesk.sim.virtual.outbound_model import OutboundScenario

TICK, RING_END, VERDICT, GRACE, TALK_END, WRAP_END, IN_ARRIVE, IN_PATIENCE = range(8)


@dataclass
class Day:
    answers: int = 0  # presumed live: live persons and machines AMD let through
    drops: int = 0

    def rate(self) -> float:
        return self.drops / self.answers if self.answers else 0.0


@dataclass
class OutboundResult:
    scenario: OutboundScenario
    attempts: int = 0
    live_answers: int = 0
    machines: int = 0
    machines_detected: int = 0
    amd_false_positives: int = 0
    connected: int = 0
    contacts: int = 0  # live persons who talked to an agent
    inbound_offered: int = 0
    inbound_answered: int = 0
    inbound_abandoned: int = 0
    wait_total_s: float = 0.0
    wait_max_s: float = 0.0
    busy_s: float = 0.0
    decisions: int = 0
    days: list[Day] = field(default_factory=list)
    sample_decisions: list[dict] = field(default_factory=list)

    @property
    def answers(self) -> int:
        return sum(d.answers for d in self.days)

    @property
    def drops(self) -> int:
        return sum(d.drops for d in self.days)


class OutboundSim:
    def __init__(self, sc: OutboundScenario, campaign: CampaignRun | None = None) -> None:
        self.sc = sc
        self.campaign = campaign
        self.rng = random.Random(sc.seed)
        self.pacer = Pacer(
            PacingConfig(
                mode=sc.mode, abandon_cap=sc.abandon_cap, ratio=sc.ratio, grace_s=sc.grace_s,
                max_ringing=sc.max_ringing,
                priors=Priors(talk_s=sc.talk_s, wrap_s=sc.wrap_s),
            )
        )  # fmt: skip
        self.heap: list[tuple[float, int, int, object]] = []
        self.seq = 0
        self.horizon = sc.hours * 3600.0 * sc.days
        self.day_len = sc.hours * 3600.0
        self.free: list[str] = []  # agents ready, LIFO
        self.busy_since: dict[str, float] = {}
        self.waiting: deque[tuple[str, float, str]] = deque()  # (attempt, answered at, truth)
        self.inbound: deque[tuple[str, float]] = deque()
        self.dialled = 0
        self.res = OutboundResult(sc, days=[Day() for _ in range(sc.days)])

    def _push(self, at: float, kind: int, payload: object = None) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, payload))

    def _day(self, now: float) -> Day:
        return self.res.days[min(int(now // self.day_len), self.sc.days - 1)]

    def run(self) -> OutboundResult:
        for i in range(self.sc.agents):
            aid = f"a{i:03d}"
            self.free.append(aid)
            self.pacer.handle(AgentChanged(aid, "free"), 0.0)
        self._push(0.0, TICK)
        if self.sc.inbound_per_hour > 0:
            self._push(self.rng.expovariate(self.sc.inbound_per_hour / 3600), IN_ARRIVE)
        period = 0
        while self.heap:
            now, _, kind, payload = heapq.heappop(self.heap)
            if kind == TICK:
                if int(now // self.day_len) != period:
                    period = int(now // self.day_len)
                    self.pacer.new_period()
                self._tick(now)
            elif kind == RING_END:
                self._ring_end(now, payload)  # type: ignore[arg-type]
            elif kind == VERDICT:
                self._verdict(now, payload)  # type: ignore[arg-type]
            elif kind == GRACE:
                self._grace(now, str(payload))
            elif kind == TALK_END:
                self._talk_end(now, str(payload))
            elif kind == WRAP_END:
                self._agent_free(now, str(payload))
            elif kind == IN_ARRIVE:
                self._inbound_arrival(now)
            elif kind == IN_PATIENCE:
                self._inbound_patience(str(payload))
        return self.res

    # -- pacing ------------------------------------------------------------------------------
    def _tick(self, now: float) -> None:
        nxt = now + self.sc.pacing_interval_s
        inbound = None
        if self.sc.inbound_per_hour > 0:
            longest = now - self.inbound[0][1] if self.inbound else 0.0
            inbound = InboundLoad(
                len(self.inbound), longest, self.sc.inbound_sl_s, self.sc.inbound_per_hour / 3600
            )
        if self.campaign and not self.campaign.has_due(now):  # nothing to dial: no decision
            if nxt < self.horizon:
                self._push(nxt, TICK)
            return
        d = self.pacer.decide(now, self.sc.list_size - self.dialled, inbound)
        self.res.decisions += 1
        if len(self.res.sample_decisions) < 5 and d.place:
            self.res.sample_decisions.append(d.record())
        for _ in range(d.place):
            attempt = f"o{self.dialled + 1}"
            if self.campaign and not self.campaign.pick(attempt, now, self.sc.ring_timeout_s):
                break  # no contact due and inside its window now
            self.dialled += 1
            self.res.attempts += 1
            self.pacer.handle(AttemptPlaced(attempt), now)
            truth, after = self.sc.callee(self.rng)
            self._push(now + after, RING_END, (attempt, truth, now))
        if nxt < self.horizon and self.dialled < self.sc.list_size:
            self._push(nxt, TICK)

    def _ring_end(self, now: float, p: tuple[str, str, float]) -> None:
        attempt, truth, placed = p
        if truth in ("busy", "failed", "no_answer"):
            self.pacer.handle(AttemptResolved(attempt, truth, now - placed), now)
            self._done(attempt, now, outcome=truth, ring_s=now - placed)
            return
        self._note(attempt, ring_s=now - placed)
        if truth == "live":
            self.res.live_answers += 1
        else:
            self.res.machines += 1
        if self.sc.amd:
            verdict, took = self.sc.amd_verdict(self.rng, truth)
            self._push(now + took, VERDICT, (attempt, truth, placed, now, verdict))
            return
        self._needs_agent(now, attempt, truth, placed, now)

    def _verdict(self, now: float, p: tuple[str, str, float, float, str]) -> None:
        attempt, truth, placed, answered, verdict = p
        if verdict == "machine":
            self.pacer.handle(AttemptResolved(attempt, "machine", now - placed), now)
            fp = truth == "live"
            self._done(attempt, now, outcome="machine", amd="machine", abandoned=int(fp),
                       safe_harbour=int(fp), cause="amd_false_positive" if fp else "")  # fmt: skip
            if fp:  # a person hung up on as a machine: abandoned (Ofcom)
                self.res.amd_false_positives += 1
                day = self._day(answered)
                day.answers += 1
                day.drops += 1
                self.pacer.handle(AnswerAbandoned(attempt, now - answered), now)
            else:
                self.res.machines_detected += 1
            return
        self._note(attempt, amd="human")
        self._needs_agent(now, attempt, truth, placed, answered)

    def _needs_agent(self, now: float, attempt: str, truth: str, placed: float, ans: float) -> None:
        self.pacer.handle(AttemptResolved(attempt, "answer", now - placed), now)
        self._day(ans).answers += 1
        if self.free:
            self._connect(now, self.free.pop(), attempt, ans, truth)
        else:
            self.waiting.append((attempt, ans, truth))
            self._push(ans + self.sc.grace_s, GRACE, attempt)

    def _grace(self, now: float, attempt: str) -> None:
        for i, (a, ans, _truth) in enumerate(self.waiting):
            if a == attempt:
                del self.waiting[i]
                self._day(ans).drops += 1
                self.pacer.handle(AnswerAbandoned(attempt, now - ans), now)
                self._done(attempt, now, outcome="answer", abandoned=1, safe_harbour=1)
                return

    def _note(self, attempt: str, **fields: object) -> None:
        if self.campaign:
            self.campaign.note(attempt, **fields)

    def _done(self, attempt: str, now: float, **fields: object) -> None:
        if self.campaign:
            self.campaign.done(attempt, now, **fields)

    # -- agents ------------------------------------------------------------------------------
    def _connect(self, now: float, agent: str, attempt: str, ans: float, truth: str) -> None:
        wait = now - ans
        self.res.connected += 1
        self.res.contacts += truth == "live"
        self.res.wait_total_s += wait
        self.res.wait_max_s = max(self.res.wait_max_s, wait)
        self.pacer.handle(AnswerConnected(attempt, wait), now)
        self._done(attempt, now, outcome="answer", agent=agent, answer_to_agent_s=wait)
        talk = self.sc.talk(self.rng) if truth == "live" else self.sc.machine_talk_s
        self._busy(now, agent, talk)

    def _busy(self, now: float, agent: str, talk: float) -> None:
        self.busy_since[agent] = now
        self.pacer.handle(AgentChanged(agent, "talk"), now)
        self._push(now + talk, TALK_END, agent)

    def _talk_end(self, now: float, agent: str) -> None:
        self.pacer.handle(AgentChanged(agent, "wrap"), now)
        self._push(now + self.sc.wrap(self.rng), WRAP_END, agent)

    def _agent_free(self, now: float, agent: str) -> None:
        start = self.busy_since.pop(agent)
        self.res.busy_s += max(0.0, min(now, self.horizon) - min(start, self.horizon))
        if self.inbound:
            iid, _ = self.inbound.popleft()
            self.res.inbound_answered += 1
            self._busy(now, agent, self.rng.expovariate(1.0 / self.sc.inbound_aht_s))
            return
        if self.waiting:
            attempt, ans, truth = self.waiting.popleft()
            self._connect(now, agent, attempt, ans, truth)
            return
        self.free.append(agent)
        self.pacer.handle(AgentChanged(agent, "free"), now)

    # -- blended inbound -----------------------------------------------------------------------
    def _inbound_arrival(self, now: float) -> None:
        nxt = now + self.rng.expovariate(self.sc.inbound_per_hour / 3600)
        if nxt < self.horizon:
            self._push(nxt, IN_ARRIVE)
        self.res.inbound_offered += 1
        iid = f"i{self.seq}"
        if self.free:
            self.res.inbound_answered += 1
            self._busy(now, self.free.pop(), self.rng.expovariate(1.0 / self.sc.inbound_aht_s))
            return
        self.inbound.append((iid, now))
        self._push(now + self.rng.expovariate(1.0 / self.sc.inbound_patience_s), IN_PATIENCE, iid)

    def _inbound_patience(self, iid: str) -> None:
        for i, (x, _) in enumerate(self.inbound):
            if x == iid:
                del self.inbound[i]
                self.res.inbound_abandoned += 1
                return


def simulate_outbound(sc: OutboundScenario, campaign: CampaignRun | None = None) -> OutboundResult:
    return OutboundSim(sc, campaign).run()

"""Live read models: queues, agents, interactions and offers, folded entry by entry.

`LiveViews` catches up from the journal once (`load`), then follows the notifier (`attach`):
each entry is applied once, in sequence order (an entry at or below `seq` is skipped), so a
view is exactly the fold of the journal up to `seq`, never recomputed from the start. Queue and
agent figures are `calldesk.acd.stats.StatsFold`'s; this adds what the API shows besides.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calldesk.acd.config import AcdConfig
from calldesk.acd.stats import DAY, AgentView, QueueView, StatsFold
from calldesk.store.journal import Entry, Journal

KINDS = ("interaction.", "agent.", "offer.", "queue.", "callback.", "supervision.")
HISTORY_S = DAY  # per-queue outcomes kept for /history
ENDED_KEPT = 2000  # finished interactions kept for the list and the detail
DAY_STATES = {
    "available": "ready",
    "offered": "ready",
    "busy": "busy",
    "wrap_up": "wrap_up",
    "not_ready": "not_ready",
}


@dataclass
class OfferRow:
    id: str
    interaction: str
    agent: str
    queue: str
    medium: str
    customer: str
    at: float
    lease_until: float


@dataclass
class InteractionRow:
    id: str
    queue: str
    medium: str
    customer: str
    arrived_at: float
    state: str = "waiting"
    agent: str | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    priority: int | None = None
    offers: dict[str, str] = field(default_factory=dict)  # offer -> agent
    why: list[dict[str, Any]] = field(default_factory=list)  # the ACD's decisions

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["offers"] = sorted(self.offers)
        return d


@dataclass
class _Day:
    day: int = -1
    states: dict[str, float] = field(default_factory=dict)  # ready/busy/wrap_up/not_ready -> s
    handled: int = 0
    talk_s: float = 0.0
    current: str | None = None  # the agent's state and since when (kept across days)
    since: float = 0.0

    def spent(self, until: float) -> tuple[str, float] | None:
        """Time in the current state since it began or the day began, whichever is later."""
        if self.current not in DAY_STATES:
            return None
        return DAY_STATES[self.current], max(0.0, until - max(self.since, self.day * DAY))


class LiveViews:
    def __init__(self, cfg: AcdConfig, clock: Callable[[], float], lease_s: float = 20.0) -> None:
        self.cfg = cfg
        self.clock = clock
        self.lease_s = lease_s
        self.fold = StatsFold({q.name: q.sl_seconds for q in cfg.queues})
        for a in cfg.agents:
            self.fold.declare_agent(a.id, tuple(a.queues))
        self.seq = 0
        self.paused: set[str] = set()
        self.interactions: dict[str, InteractionRow] = {}
        self.ended: deque[str] = deque()
        self.offers: dict[str, OfferRow] = {}
        self.agent_items: dict[str, set[str]] = {}  # agent -> its connected interactions
        self.days: dict[str, _Day] = {}
        self.wrapup_until: dict[str, float] = {}  # agent -> when its wrap-up ends by itself
        # agent -> interaction -> (medium, queue, until): the wrap-ups still to do, one per
        # interaction, as the ACD starts them (agent's wrap_up_s, else the queue's)
        self.wrapups: dict[str, dict[str, tuple[str, str, float]]] = {}
        self._wrap_s = {q.name: q.wrap_up_s for q in cfg.queues}
        self._agent_wrap_s = {a.id: a.wrap_up_s for a in cfg.agents if a.wrap_up_s is not None}
        self.outcomes: dict[str, deque[tuple[float, str, bool]]] = {}  # queue -> (at, kind, in SL)
        self._unsubscribe: Callable[[], None] | None = None

    # feeding
    def load(self, journal: Journal) -> LiveViews:
        for e in journal.read(after_id=self.seq):
            self.apply(e)
        return self

    def attach(self, notifier: Any) -> LiveViews:
        self._unsubscribe = notifier.subscribe(self.apply)
        return self

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def apply(self, e: Entry) -> None:
        if e.id <= self.seq:
            return
        self.seq = e.id
        if not e.kind.startswith(KINDS):
            return
        self.fold.apply(e.at, e.kind, e.subject, e.data)
        if e.kind.startswith("agent."):
            self._agent(e)
        elif e.kind.startswith("queue."):
            (self.paused.add if e.kind == "queue.paused" else self.paused.discard)(e.subject)
        else:
            self._interaction(e)

    def _day(self, agent: str, at: float) -> _Day:
        d = self.days.setdefault(agent, _Day())
        if int(at // DAY) != d.day:
            d.day, d.states, d.handled, d.talk_s = int(at // DAY), {}, 0, 0.0
        return d

    def _agent(self, e: Entry) -> None:
        if e.kind == "agent.wrapup":
            self.wrapups.get(e.subject, {}).pop(str(e.data.get("interaction")), None)
            return
        if e.kind != "agent.state":
            return
        if e.data["state"] in ("available", "not_ready", "logged_out"):
            self.wrapups.pop(e.subject, None)  # none left (the ACD says so by this state)
        d = self._day(e.subject, e.at)
        spent = d.spent(e.at)
        if spent is not None:
            d.states[spent[0]] = d.states.get(spent[0], 0.0) + spent[1]
        d.current, d.since = e.data["state"], e.at
        until = e.data.get("until") if e.data["state"] == "wrap_up" else None
        if until is None:
            self.wrapup_until.pop(e.subject, None)
        else:
            self.wrapup_until[e.subject] = float(until)

    def _outcome(self, queue: str, at: float, kind: str, in_sl: bool = False) -> None:
        q = self.outcomes.setdefault(queue, deque())
        q.append((at, kind, in_sl))
        while q and q[0][0] < at - HISTORY_S:
            q.popleft()

    def _interaction(self, e: Entry) -> None:
        d, iid = e.data, e.subject
        it = self.interactions.get(iid)
        if e.kind == "interaction.arrived":
            self.interactions[iid] = InteractionRow(
                iid, d["queue"], d.get("medium", "voice"), d.get("customer", ""), e.at
            )
            self._outcome(d["queue"], e.at, "offered")
            return
        if it is None:
            return
        if e.kind in ("interaction.ended", "interaction.transferred") and d.get("agent"):
            self._wrap(d["agent"], it, str(d.get("source") or d.get("queue") or it.queue), e.at)
        if e.kind == "interaction.offered":
            it.state = "offered"
            it.offers[d["offer"]] = d["agent"]
            it.why.append(
                {
                    "seq": e.id,
                    "at": e.at,
                    "agent": d["agent"],
                    "offer": d["offer"],
                    "why": d.get("why", ""),
                }
            )
            self.offers[d["offer"]] = OfferRow(
                d["offer"],
                iid,
                d["agent"],
                it.queue,
                it.medium,
                it.customer,
                e.at,
                e.at + self.lease_s,
            )
        elif e.kind in ("offer.cancelled", "offer.refused"):
            it.offers.pop(d.get("offer", ""), None)
            self.offers.pop(d.get("offer", ""), None)
        elif e.kind == "interaction.requeued":
            it.state = "waiting"
        elif e.kind == "interaction.moved":
            it.queue = d["queue"]
        elif e.kind == "interaction.priority":
            it.priority = d.get("priority")
        elif e.kind == "interaction.answered":
            for oid in it.offers:
                self.offers.pop(oid, None)
            it.offers.clear()
            it.state, it.agent, it.answered_at = "connected", d["agent"], e.at
            self.agent_items.setdefault(d["agent"], set()).add(iid)
            sl = self.fold.sl_seconds.get(d["queue"], self.fold.default_sl_s)
            self._outcome(d["queue"], e.at, "answered", d["wait"] <= sl)
        elif e.kind in (
            "interaction.ended",
            "interaction.released",
            "interaction.abandoned",
            "interaction.overflowed",
        ):
            self._end(it, e)

    def _wrap(self, agent: str, it: InteractionRow, queue: str, at: float) -> None:
        """The agent's part is over: its wrap-up of `it` starts, if it has one."""
        wrap = self._agent_wrap_s.get(agent, self._wrap_s.get(queue, 0.0))
        if wrap > 0:
            self.wrapups.setdefault(agent, {})[it.id] = (it.medium, queue, at + wrap)

    def _end(self, it: InteractionRow, e: Entry) -> None:
        it.state, it.ended_at = e.kind.split(".")[1], e.at
        for oid in it.offers:
            self.offers.pop(oid, None)
        if it.agent:
            self.agent_items.get(it.agent, set()).discard(it.id)
            if e.kind in ("interaction.ended", "interaction.released") and e.data.get("agent"):
                day = self._day(it.agent, e.at)
                day.handled += 1
                day.talk_s += float(e.data.get("talk") or 0.0)
        if e.kind in ("interaction.abandoned", "interaction.overflowed"):
            self._outcome(
                it.queue, e.at, "abandoned" if e.kind.endswith("abandoned") else "overflowed"
            )
        self.ended.append(it.id)
        while len(self.ended) > ENDED_KEPT:
            self.interactions.pop(self.ended.popleft(), None)

    # reading
    def queue(self, name: str, now: float | None = None) -> QueueView:
        return self.fold.queue_view(name, self.clock() if now is None else now)

    def agent(self, name: str, now: float | None = None) -> AgentView:
        return self.fold.agent_view(name, self.clock() if now is None else now)

    def agent_queues(self, agent: str) -> tuple[str, ...]:
        a = self.fold.agents.get(agent)
        return a.queues if a else ()

    def offer_of(self, agent: str) -> OfferRow | None:
        rows = [o for o in self.offers.values() if o.agent == agent]
        return max(rows, key=lambda o: o.at) if rows else None

    def wrapups_of(self, agent: str) -> list[dict[str, Any]]:
        """The agent's wrap-ups still to do, the one that ends first first."""
        rows = sorted(self.wrapups.get(agent, {}).items(), key=lambda kv: (kv[1][2], kv[0]))
        return [
            {"interaction": iid, "medium": m, "queue": q, "until": until}
            for iid, (m, q, until) in rows
        ]

    def day(self, agent: str, now: float | None = None) -> dict[str, Any]:
        now = self.clock() if now is None else now
        d = self._day(agent, now)
        out = {k: d.states.get(k, 0.0) for k in ("ready", "busy", "wrap_up", "not_ready")}
        spent = d.spent(now)
        if spent is not None:
            out[spent[0]] += spent[1]
        return {
            "handled": d.handled,
            "aht_s": d.talk_s / d.handled if d.handled else None,
            "time_in_state_s": out,
        }

    def history(self, queue: str, minutes: int, step: int, now: float | None = None) -> list[dict]:
        now = self.clock() if now is None else now
        start = now - minutes * 60
        n = max(1, int((minutes * 60) // step))
        rows: list[dict[str, Any]] = [
            {"start": start + i * step, "offered": 0, "answered": 0, "abandoned": 0, "in_sl": 0}
            for i in range(n)
        ]
        for at, kind, in_sl in self.outcomes.get(queue, ()):
            i = int((at - start) // step)
            if 0 <= i < n:
                r = rows[i]
                r[kind if kind != "overflowed" else "abandoned"] += 1
                r["in_sl"] += in_sl
        for r in rows:
            done = r["answered"] + r["abandoned"]
            r["service_level"] = r.pop("in_sl") / done if done else None
        return rows

"""Real-time statistics as a fold over journal records `(at, kind, subject, data)`.

Nothing here reads the ACD's live objects: the same figures can be rebuilt from the journal
after a restart, or for a report. Service level = answered within the queue's threshold over
all interactions that finished waiting (answered, abandoned or overflowed) in the window.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

DAY = 86400.0
ROLLING_S = 900.0


@dataclass
class QueueFigures:
    waiting: dict[str, float] = field(default_factory=dict)  # interaction -> arrived at
    day: int = -1
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    overflowed: int = 0
    wait_answered_s: float = 0.0
    recent: deque[tuple[float, bool]] = field(default_factory=deque)  # (at, answered in SL)
    recent_ok: int = 0  # how many of `recent` were answered in SL (kept, not summed per read)


@dataclass
class AgentFigures:
    state: str = "logged_out"
    reason: str | None = None
    since: float = 0.0
    queues: tuple[str, ...] = ()
    handled: int = 0
    talk_s: float = 0.0
    wrap_s: float = 0.0


@dataclass(frozen=True)
class QueueView:
    queue: str
    waiting: int
    longest_wait_s: float
    service_level_15m: float | None
    service_level_today: float | None
    asa_s: float | None
    abandon_rate: float | None
    answered: int
    abandoned: int
    agents_by_state: dict[str, int]


@dataclass(frozen=True)
class AgentView:
    agent: str
    state: str
    reason: str | None
    time_in_state_s: float
    handled: int
    talk_s: float
    wrap_s: float


class StatsFold:
    """Apply journal records one by one; ask for views at any time."""

    def __init__(self, sl_seconds: Mapping[str, float] | None = None, default_sl_s: float = 20.0):
        self.sl_seconds = dict(sl_seconds or {})
        self.default_sl_s = default_sl_s
        self.queues: dict[str, QueueFigures] = {}
        self.agents: dict[str, AgentFigures] = {}
        # answered and not yet ended: (queue, wait, in SL, arrived) to undo a failed connect
        self._talking: dict[str, tuple[str, float, bool, float]] = {}

    def _q(self, name: str, at: float) -> QueueFigures:
        q = self.queues.setdefault(name, QueueFigures())
        day = int(at // DAY)
        if day != q.day:  # a new day resets today's counters
            q.day, q.answered, q.answered_in_sl, q.abandoned, q.overflowed = day, 0, 0, 0, 0
            q.wait_answered_s = 0.0
        return q

    def _a(self, name: str) -> AgentFigures:
        return self.agents.setdefault(name, AgentFigures())

    def declare_agent(self, name: str, queues: tuple[str, ...]) -> None:
        """A configured agent the journal may not mention yet (shown as logged out)."""
        a = self._a(name)
        a.queues = a.queues or queues

    def apply(self, at: float, kind: str, subject: str, data: Mapping[str, Any]) -> None:
        if kind == "interaction.arrived":
            self._q(data["queue"], at).waiting[subject] = at
        elif kind == "interaction.answered":
            q = self._q(data["queue"], at)
            arrived = q.waiting.pop(subject, at - data["wait"])
            in_sl = data["wait"] <= self.sl_seconds.get(data["queue"], self.default_sl_s)
            self._talking[subject] = (data["queue"], data["wait"], in_sl, arrived)
            q.answered += 1
            q.answered_in_sl += in_sl
            q.wait_answered_s += data["wait"]
            q.recent.append((at, in_sl))
            q.recent_ok += in_sl
        elif kind in ("interaction.abandoned", "interaction.overflowed"):
            q = self._q(data["queue"], at)
            q.waiting.pop(subject, None)
            if kind == "interaction.abandoned":
                q.abandoned += 1
            else:
                q.overflowed += 1
            q.recent.append((at, False))
        elif kind == "interaction.moved":  # keeps its arrival time in the new queue
            arrived = self._q(data["source"], at).waiting.pop(subject, data.get("arrived_at", at))
            self._q(data["queue"], at).waiting[subject] = arrived
        elif kind == "interaction.transferred":  # answered in one queue, waiting in the next
            self._talking.pop(subject, None)
            self._q(data["queue"], at).waiting[subject] = at
        elif kind == "interaction.connect_failed" and subject in self._talking:
            queue, wait, in_sl, arrived = self._talking.pop(subject)
            q = self._q(queue, at)  # not answered after all: waiting again, in its place
            q.answered -= 1
            q.answered_in_sl -= in_sl
            q.wait_answered_s -= wait
            q.waiting[subject] = arrived
        elif kind in ("interaction.ended", "interaction.released"):
            self._talking.pop(subject, None)
            if data.get("agent"):  # ended after a takeover: the agent was counted at release
                a = self._a(data["agent"])
                a.handled += 1
                a.talk_s += data["talk"]
        elif kind == "agent.wrapup":
            self._a(subject).wrap_s += data["duration"]
        elif kind == "agent.login":
            self._a(subject).queues = tuple(data.get("queues", ()))
        elif kind == "agent.state":
            a = self._a(subject)
            a.state, a.reason, a.since = data["state"], data.get("reason"), at

    def apply_all(self, records: Iterable[tuple[float, str, str, Mapping[str, Any]]]) -> StatsFold:
        for at, kind, subject, data in records:
            self.apply(at, kind, subject, data)
        return self

    def queue_view(self, name: str, now: float) -> QueueView:
        q = self._q(name, now)
        while q.recent and q.recent[0][0] < now - ROLLING_S:
            q.recent_ok -= q.recent.popleft()[1]
        done = q.answered + q.abandoned + q.overflowed
        in_window = len(q.recent)
        by_state: dict[str, int] = {}
        for a in self.agents.values():
            if name in a.queues:
                by_state[a.state] = by_state.get(a.state, 0) + 1
        return QueueView(
            queue=name,
            waiting=len(q.waiting),
            longest_wait_s=now - min(q.waiting.values()) if q.waiting else 0.0,
            service_level_15m=q.recent_ok / in_window if in_window else None,
            service_level_today=q.answered_in_sl / done if done else None,
            asa_s=q.wait_answered_s / q.answered if q.answered else None,
            abandon_rate=q.abandoned / done if done else None,
            answered=q.answered,
            abandoned=q.abandoned,
            agents_by_state=by_state,
        )

    def agent_view(self, name: str, now: float) -> AgentView:
        a = self._a(name)
        return AgentView(name, a.state, a.reason, now - a.since, a.handled, a.talk_s, a.wrap_s)


def fold(
    records: Iterable[tuple[float, str, str, Mapping[str, Any]]],
    sl_seconds: Mapping[str, float] | None = None,
) -> StatsFold:
    """Statistics from a list of journal records."""
    return StatsFold(sl_seconds).apply_all(records)

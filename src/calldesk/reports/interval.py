"""Interval reports (15 min, hour, day) per queue, medium and agent, in two pure steps:

1. `FactFold` folds journal records into one fact per interaction (arrival, queue, medium,
   agent, wait, answered/abandoned/overflowed, talk, wrap-up, transfers, survey, and whether the
   same customer came back on the same intent within the FCR window);
2. `aggregate` sums facts into interval rows.

Every interaction counts in the interval it arrived in. The figures follow the live statistics
(`calldesk.acd.stats.StatsFold`): service level = answered within the queue's threshold over
all that finished waiting (answered, abandoned, overflowed); ASA = mean wait of the answered.
AHT = (talk + wrap-up) / handled. FCR = handled contacts not followed within the window by a
contact of the same customer on the same intent (the queue), over handled. CSAT = mean score.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

DIMENSIONS = ("queue", "medium", "agent")
STEPS = {"15m": 900.0, "30m": 1800.0, "1h": 3600.0, "hour": 3600.0, "1d": 86400.0, "day": 86400.0}


@dataclass
class Fact:
    interaction: str
    arrived_at: float
    queue: str
    medium: str
    customer: str | None = None
    agent: str | None = None
    wait: float = 0.0
    answered: int = 0
    abandoned: int = 0
    overflowed: int = 0
    handled: int = 0
    talk: float = 0.0
    wrap: float = 0.0
    transfers: int = 0
    csat_sum: float = 0.0
    csat_n: int = 0
    repeated: int = 0

    def row(self) -> tuple[Any, ...]:
        return _FACT_ROW(self)


FACT_COLUMNS = tuple(f.name for f in fields(Fact))
_FACT_ROW = attrgetter(*FACT_COLUMNS)
ERASED = "[erased]"  # an erased caller id names nobody (calldesk.customers.privacy)
Previous = Callable[[str, str, float], str | None]  # (customer, queue, at) -> earlier contact


@dataclass
class FactFold:
    """Journal records -> facts. `facts` holds the ones touched; `lookup` finds a fact the fold
    did not see arrive (an earlier batch); `previous` the customer's previous contact on a queue
    within the window (the in-memory default looks at the facts it holds)."""

    fcr_window_s: float = 72 * 3600.0
    facts: dict[str, Fact] = field(default_factory=dict)
    lookup: Callable[[str], Fact | None] = lambda _: None
    previous: Previous | None = None
    _last: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)

    def _fact(self, iid: str) -> Fact | None:
        f = self.facts.get(iid)
        if f is None:
            f = self.lookup(iid)
            if f is not None:
                self.facts[iid] = f
        return f

    def apply(
        self, at: float, kind: str, subject: str, d: Mapping[str, Any], customer: str | None = None
    ) -> None:
        """One journal record (its data as a dict)."""
        self.apply_row(
            at,
            kind,
            subject,
            d.get("queue"),
            d.get("medium"),
            d.get("agent"),
            d.get("wait"),
            d.get("talk"),
            d.get("duration"),
            d.get("interaction"),
            d.get("score", d.get("csat")),
            customer,
        )

    def apply_row(
        self,
        at: float,
        kind: str,
        subject: str,
        queue: Any,
        medium: Any,
        agent: Any,
        wait: Any,
        talk: Any,
        duration: Any,
        interaction: Any,
        score: Any,
        customer: Any,
    ) -> None:
        """The fields the fold reads, already taken out of the entry's data."""
        if kind == "interaction.arrived":
            if subject in self.facts or self.lookup(subject) is not None:
                return  # seen (a replay): an interaction arrives once
            who = customer if customer and customer != ERASED else None
            f = Fact(subject, at, queue or "-", medium or "voice", who)
            self.facts[subject] = f
            self._repeat(f)
            return
        if kind == "customer.attached":
            # written once the customer is resolved, maybe after the arrival was folded with
            # the raw caller id: the fact takes the customer, and its repeat is looked at again
            a = self.facts.get(subject) or self._fact(subject)
            who = customer if customer and customer != ERASED else None
            if a is not None and who and a.customer != who:
                a.customer = who
                self._repeat(a)
            return
        if kind == "agent.wrapup":
            w = self._fact(str(interaction))
            if w is not None:
                w.wrap += float(duration or 0.0)
            return
        fact = self._fact(subject)
        if fact is None:
            return
        f = fact
        # one outcome each, as the demo's journal figures count them: answered wins, else the
        # first of abandoned / overflowed
        if kind == "interaction.answered":
            f.agent, f.answered, f.wait = agent, 1, float(wait or 0.0)
            f.abandoned = f.overflowed = 0
        elif kind == "interaction.abandoned" and not (f.answered or f.overflowed):
            f.abandoned, f.wait = 1, float(wait or 0.0)
        elif kind == "interaction.overflowed" and not (f.answered or f.abandoned):
            f.overflowed = 1
        elif kind in ("interaction.ended", "interaction.released"):
            if agent and not f.handled:
                f.handled, f.talk = 1, float(talk or 0.0)
        elif "transfer" in kind:
            f.transfers += 1
        elif kind.startswith("survey.") and isinstance(score, int | float):
            f.csat_sum += float(score)
            f.csat_n += 1

    def _repeat(self, f: Fact) -> None:
        if not f.customer:
            return
        key = (f.customer, f.queue)
        before = self._last.get(key)
        prev = before[0] if before and f.arrived_at - before[1] <= self.fcr_window_s else None
        if prev is None and self.previous is not None:
            prev = self.previous(f.customer, f.queue, f.arrived_at)
        self._last[key] = (f.interaction, f.arrived_at)
        p = self._fact(prev) if prev else None
        if p is not None and p.interaction != f.interaction:
            p.repeated = 1


@dataclass
class Row:
    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    overflowed: int = 0
    wait_answered_s: float = 0.0
    handled: int = 0
    talk_s: float = 0.0
    wrap_s: float = 0.0
    transfers: int = 0
    repeats: int = 0
    csat_sum: float = 0.0
    csat_n: int = 0

    def figures(self) -> dict[str, Any]:
        done = self.answered + self.abandoned + self.overflowed
        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "overflowed": self.overflowed,
            "service_level": _ratio(self.answered_in_sl, done),
            "asa_s": _ratio(self.wait_answered_s, self.answered),
            "aht_s": _ratio(self.talk_s + self.wrap_s, self.handled),
            "handled": self.handled,
            "transfers": self.transfers,
            "fcr": _ratio(self.handled - self.repeats, self.handled),
            "csat": _ratio(self.csat_sum, self.csat_n),
        }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def aggregate(
    facts: Iterable[Sequence[Any]],
    step_s: float,
    by: Sequence[str] = ("queue",),
    sl_seconds: Mapping[str, float] | None = None,
    default_sl_s: float = 20.0,
) -> list[dict[str, Any]]:
    """Fact rows (in FACT_COLUMNS order) -> one row of figures per interval and dimension."""
    sl = dict(sl_seconds or {})
    pos = [FACT_COLUMNS.index(d) for d in by]
    rows: dict[tuple[Any, ...], Row] = {}
    for f in facts:
        at = f[1]
        key = (at - at % step_s, *((f[p] or "-") for p in pos))
        r = rows.get(key)
        if r is None:
            r = rows[key] = Row()
        (
            _,
            _,
            queue,
            _,
            _,
            _,
            wait,
            answered,
            abandoned,
            overflowed,
            handled,
            talk,
            wrap,
            transfers,
            csat_sum,
            csat_n,
            repeated,
        ) = f
        r.offered += 1
        if answered:
            r.answered += 1
            r.answered_in_sl += wait <= sl.get(queue, default_sl_s)
            r.wait_answered_s += wait
        r.abandoned += abandoned
        r.overflowed += overflowed
        if handled:
            r.handled += 1
            r.talk_s += talk
            r.wrap_s += wrap
            r.repeats += repeated
        r.transfers += transfers
        r.csat_sum += csat_sum
        r.csat_n += csat_n
    out = []
    for key in sorted(rows, key=lambda k: tuple(str(x) for x in k)):
        out.append({"start": key[0], **dict(zip(by, key[1:], strict=True)), **rows[key].figures()})
    return out


def parse_step(text: str) -> float:
    if text in STEPS:
        return STEPS[text]
    raise ValueError(f"step: {text!r} is not one of {', '.join(STEPS)}")


def parse_by(text: str) -> tuple[str, ...]:
    dims = tuple(d.strip() for d in text.split(",") if d.strip())
    bad = [d for d in dims if d not in DIMENSIONS]
    if bad or not dims:
        what = f"unknown dimension {', '.join(bad)}" if bad else "empty"
        raise ValueError(f"by: {what} (known: {', '.join(DIMENSIONS)})")
    return dims

"""Interval reports (15 min, hour, day) per queue, medium and agent: a pure fold over journal
records, so a report is rebuilt from the journal at any time and gives the same figures.

Every interaction counts in the interval it arrived in. The figures follow the live statistics
(`calldesk.acd.stats.StatsFold`): service level = answered within the queue's threshold over
all that finished waiting (answered, abandoned, overflowed); ASA = mean wait of the answered.
AHT = (talk + wrap-up) / handled. FCR = handled contacts not followed, within the window, by
another contact of the same customer on the same intent (the queue), over handled contacts.
CSAT = mean survey score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DIMENSIONS = ("queue", "medium", "agent")
STEPS = {"15m": 900.0, "30m": 1800.0, "1h": 3600.0, "hour": 3600.0, "1d": 86400.0, "day": 86400.0}


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


@dataclass
class _Seen:
    key: tuple[Any, ...]
    bucket: float
    queue: str
    medium: str
    customer: str | None
    agent: str | None = None
    handled: bool = False


@dataclass
class IntervalFold:
    step_s: float
    by: Sequence[str] = ("queue",)
    sl_seconds: Mapping[str, float] = field(default_factory=dict)
    default_sl_s: float = 20.0
    fcr_window_s: float = 72 * 3600.0
    rows: dict[tuple[Any, ...], Row] = field(default_factory=dict)
    seen: dict[str, _Seen] = field(default_factory=dict)
    last: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)

    def _key(self, bucket: float, queue: str, medium: str, agent: str | None) -> tuple[Any, ...]:
        values = {"queue": queue, "medium": medium, "agent": agent or "-"}
        return (bucket, *(values[d] for d in self.by))

    def _row(self, s: _Seen) -> Row:
        key = self._key(s.bucket, s.queue, s.medium, s.agent) if "agent" in self.by else s.key
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = Row()
        return row

    def apply(
        self, at: float, kind: str, subject: str, d: Mapping[str, Any], customer: str | None = None
    ) -> None:
        if kind == "interaction.arrived":
            bucket = at - at % self.step_s
            queue, medium = d.get("queue") or "-", d.get("medium") or "voice"
            s = _Seen(self._key(bucket, queue, medium, None), bucket, queue, medium, customer)
            self.seen[subject] = s
            self._row(s).offered += 1
            self._repeat(subject, s, at)
            return
        s = self.seen.get(subject) if kind.startswith("interaction.") else None
        if kind == "interaction.answered" and s is not None:
            s.agent = d.get("agent")
            if "agent" in self.by:  # offered moves to the agent who answered
                self.rows[s.key].offered -= 1
                self._row(s).offered += 1
            row = self._row(s)
            wait = float(d.get("wait") or 0.0)
            row.answered += 1
            row.answered_in_sl += wait <= self.sl_seconds.get(s.queue, self.default_sl_s)
            row.wait_answered_s += wait
        elif kind in ("interaction.abandoned", "interaction.overflowed") and s is not None:
            row = self._row(s)
            if kind == "interaction.abandoned":
                row.abandoned += 1
            else:
                row.overflowed += 1
        elif kind in ("interaction.ended", "interaction.released") and s is not None:
            if d.get("agent") and not s.handled:
                s.handled = True
                row = self._row(s)
                row.handled += 1
                row.talk_s += float(d.get("talk") or 0.0)
        elif kind == "agent.wrapup":
            w = self.seen.get(str(d.get("interaction")))
            if w is not None:
                self._row(w).wrap_s += float(d.get("duration") or 0.0)
        elif "transfer" in kind:
            t = self.seen.get(subject)
            if t is not None:
                self._row(t).transfers += 1
        elif kind.startswith("survey."):
            c = self.seen.get(subject)
            score = d.get("score", d.get("csat"))
            if c is not None and isinstance(score, int | float):
                self._row(c).csat_sum += float(score)
                self._row(c).csat_n += 1

    def _repeat(self, subject: str, s: _Seen, at: float) -> None:
        """A contact of the same customer on the same intent within the window: the previous
        one was not resolved at first contact."""
        if not s.customer:
            return
        intent = (s.customer, s.queue)
        prev = self.last.get(intent)
        self.last[intent] = (subject, at)
        if prev is not None and at - prev[1] <= self.fcr_window_s:
            p = self.seen.get(prev[0])
            if p is not None and p.handled:
                self._row(p).repeats += 1

    def later_arrival(
        self, at: float, subject: str, d: Mapping[str, Any], customer: str | None
    ) -> None:
        """An arrival after the report's end: only marks repeats, counts nothing itself."""
        if customer:
            s = _Seen((), 0.0, d.get("queue") or "-", d.get("medium") or "voice", customer)
            self._repeat(subject, s, at)

    def report(self) -> list[dict[str, Any]]:
        out = []
        for key in sorted(self.rows, key=lambda k: tuple(str(x) for x in k)):
            row = self.rows[key]
            labels = dict(zip(self.by, key[1:], strict=True))
            out.append({"start": key[0], **labels, **row.figures()})
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

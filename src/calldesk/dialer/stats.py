"""Rolling estimates from recent outcomes: connect and AMD rates, time to answer, talk and wrap-up.

The predictive model asks two questions many times a second, so the answers are tabulated per
second of elapsed time and rebuilt only after `refresh_every` new samples:
- `p_free(state, elapsed)`: an agent in talk (or wrap-up) for `elapsed` seconds is free within
  the window;
- `p_answer_within(age)`: an attempt ringing for `age` seconds is answered (and needs an agent)
  within the window.
The window is the time a call placed now takes to be answered plus the grace an answer may wait.
"""

from __future__ import annotations

import bisect
import statistics
from collections import deque
from dataclasses import dataclass

from calldesk.dialer.events import OUTCOMES


@dataclass(frozen=True)
class Priors:
    """What is assumed before enough outcomes are seen (and blended in while they are few)."""

    answer_rate: float = 0.25
    answer_after_s: float = 10.0
    talk_s: float = 120.0
    wrap_s: float = 10.0
    weight: int = 50  # pseudo-samples the prior is worth


class Stats:
    def __init__(
        self, priors: Priors | None = None, keep: int = 3000, refresh_every: int = 250,
        grace_s: float = 2.0,
    ) -> None:  # fmt: skip
        self.priors = priors or Priors()
        self.grace_s = grace_s
        self.outcomes: deque[tuple[str, float]] = deque(maxlen=keep)
        self.talk: deque[float] = deque(maxlen=keep)
        self.wrap: deque[float] = deque(maxlen=keep)
        self.refresh_every = refresh_every
        self._new = refresh_every  # build on first use
        self._window = self.priors.answer_after_s + grace_s
        self._talk_tab: list[float] = []
        self._wrap_tab: list[float] = []
        self._ring_tab: list[float] = []
        self._talk_tail = 0.0
        self._wrap_tail = 0.0
        self._ring_tail = 0.0
        self.rates: dict[str, float] = {}

    # -- samples ---------------------------------------------------------------------------
    def outcome(self, outcome: str, after_s: float) -> None:
        self.outcomes.append((outcome, max(0.0, after_s)))
        self._new += 1

    def talk_sample(self, s: float) -> None:
        self.talk.append(max(0.0, s))
        self._new += 1

    def wrap_sample(self, s: float) -> None:
        self.wrap.append(max(0.0, s))
        self._new += 1

    # -- estimates -------------------------------------------------------------------------
    @property
    def window_s(self) -> float:
        """Time to answer (median) plus the grace: how far ahead a decision looks."""
        self._refresh()
        return self._window

    @property
    def answer_rate(self) -> float:
        self._refresh()
        return self.rates["answer"]

    def p_free(self, state: str, elapsed: float) -> float:
        self._refresh()
        if state == "talk":
            tab, tail = self._talk_tab, self._talk_tail
        else:
            tab, tail = self._wrap_tab, self._wrap_tail
        i = int(elapsed)
        return tab[i] if i < len(tab) else tail

    def p_free_all(self, agents: list[tuple[str, float]]) -> list[float]:
        """`p_free` for many (state, elapsed) pairs at once (the hot path of a decision)."""
        self._refresh()
        talk, talk_tail, wrap, wrap_tail = (
            self._talk_tab, self._talk_tail, self._wrap_tab, self._wrap_tail
        )  # fmt: skip
        nt, nw = len(talk), len(wrap)
        out = []
        for state, elapsed in agents:
            i = int(elapsed)
            if state == "talk":
                out.append(talk[i] if i < nt else talk_tail)
            else:
                out.append(wrap[i] if i < nw else wrap_tail)
        return out

    def p_answer_within_all(self, ages: list[float]) -> list[float]:
        self._refresh()
        tab, tail = self._ring_tab, self._ring_tail
        n = len(tab)
        return [tab[int(a)] if int(a) < n else tail for a in ages]

    def p_answer_within(self, age: float) -> float:
        self._refresh()
        i = int(age)
        return self._ring_tab[i] if i < len(self._ring_tab) else self._ring_tail

    def snapshot(self) -> dict[str, float]:
        """The estimates a decision was made from."""
        self._refresh()
        return {
            "answer_rate": round(self.rates["answer"], 4),
            "machine_rate": round(self.rates["machine"], 4),
            "window_s": round(self.window_s, 2),
            "talk_mean_s": round(self._mean(self.talk, self.priors.talk_s), 1),
            "wrap_mean_s": round(self._mean(self.wrap, self.priors.wrap_s), 1),
            "samples": len(self.outcomes),
        }

    # -- tables ----------------------------------------------------------------------------
    def _mean(self, xs: deque[float], prior: float) -> float:
        w = self.priors.weight
        return (sum(xs) + prior * w) / (len(xs) + w)

    def _refresh(self) -> None:
        if self._new < self.refresh_every:
            return
        self._new = 0
        n, w = len(self.outcomes), self.priors.weight
        counts = dict.fromkeys(OUTCOMES, 0)
        for o, _ in self.outcomes:
            counts[o] += 1
        self.rates = {o: c / max(n, 1) for o, c in counts.items()}
        self.rates["answer"] = (counts["answer"] + self.priors.answer_rate * w) / (n + w)
        answer_times = sorted(t for o, t in self.outcomes if o == "answer")
        ans = statistics.median(answer_times) if len(answer_times) >= 20 else None
        self._window = (ans if ans is not None else self.priors.answer_after_s) + self.grace_s
        self._build_ring()
        self._build_agents()

    def _build_ring(self) -> None:
        """P(answered within the window | still ringing at `age`), from resolution times."""
        times = sorted(t for _, t in self.outcomes)
        answers = sorted(t for o, t in self.outcomes if o == "answer")
        if len(times) < 30:
            p = self.priors.answer_rate
            self._ring_tab, self._ring_tail = [p] * 60, p
            return
        top = int(times[-1]) + 1
        tab = []
        for age in range(top + 1):
            alive = len(times) - bisect.bisect_right(times, age)
            hit = bisect.bisect_right(answers, age + self._window) - bisect.bisect_right(
                answers, age
            )
            tab.append(hit / alive if alive else 0.0)
        self._ring_tab, self._ring_tail = tab, 0.0

    def _build_agents(self) -> None:
        talk = sorted(self.talk) if len(self.talk) >= 30 else None
        wrap = sorted(self.wrap) if len(self.wrap) >= 30 else None
        win = self._window
        mean_talk = self._mean(self.talk, self.priors.talk_s)
        mean_wrap = self._mean(self.wrap, self.priors.wrap_s)
        # exponential tails beyond the samples (and before there are any)
        self._talk_tail = min(1.0, max(0.0, win - mean_wrap) / mean_talk)
        self._wrap_tail = wrap_tail = min(1.0, win / max(mean_wrap, 1e-6))
        wq = [wrap[int(k * (len(wrap) - 1) / 4)] for k in range(5)] if wrap else [mean_wrap]
        self._talk_tab = _conditional(talk, win, wq) if talk else [self._talk_tail] * 600
        self._wrap_tab = _conditional(wrap, win, [0.0]) if wrap else [wrap_tail] * 120


def _conditional(xs: list[float], window: float, then: list[float]) -> list[float]:
    """P(X + Y <= e + window | X > e) for e = 0, 1, ...; Y takes the values `then` equally."""
    tab = []
    for e in range(int(xs[-1]) + 1):
        alive = len(xs) - bisect.bisect_right(xs, e)
        if alive < 10:
            break
        hits = sum(
            max(0, bisect.bisect_right(xs, e + window - y) - bisect.bisect_right(xs, e))
            for y in then
        )
        tab.append(hits / (alive * len(then)))
    return tab

"""Queue configuration, overflow rules, and the waiting list with its fast ordering."""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from calldesk.acd.context import ContextRules
from calldesk.acd.interaction import Interaction

OVERFLOW_ACTIONS = ("widen_skills", "lower_level", "add_queue", "voicemail", "callback", "flow")
TERMINAL_ACTIONS = ("voicemail", "flow")
STRATEGIES = (
    "longest_idle",
    "round_robin",
    "least_talk_time",
    "fewest_calls",
    "ring_all",
    "linear",
    "random",
    "best_skill",
)


@dataclass(frozen=True)
class OverflowRule:
    """After `after_s` of waiting: widen_skills (drop `skills`, empty = all), lower_level (by `by`),
    add_queue (`target`'s agents may also answer), or leave for voicemail/callback/flow `target`."""

    after_s: float
    action: str
    skills: tuple[str, ...] = ()
    by: int = 1
    target: str = ""


@dataclass(frozen=True)
class QueueConfig:
    name: str
    skills: tuple[tuple[str, int], ...] = ()
    priority: int = 0
    strategy: str = "longest_idle"
    sl_target: float = 0.8
    sl_seconds: float = 20.0
    max_wait_s: float | None = None
    max_wait_action: str = "voicemail"
    max_wait_target: str = ""
    max_size: int | None = None
    full_action: str = "voicemail"
    full_target: str = ""
    wrap_up_s: float = 0.0
    overflow: tuple[OverflowRule, ...] = ()
    announce_every_s: float | None = None
    breakout: Mapping[str, str] = field(default_factory=dict)  # key -> voicemail | callback
    voicemail: str = ""
    aging_every_s: float | None = None  # +1 priority per this many seconds waited
    aging_max: int = 0
    aht_s: float = 180.0  # first guess for expected-wait announcements
    context: ContextRules = field(default_factory=ContextRules)  # routing by customer context

    def effective_priority(self, base: int, waited: float) -> int:
        if not self.aging_every_s or waited <= 0:
            return base
        return base + min(self.aging_max, int(waited // self.aging_every_s))


Entry = tuple[float, int, Interaction]
EffFn = Callable[[Interaction, float], int]


class WaitingList:
    """Interactions waiting in one queue, in sorted runs that share priority and aging.

    Within a run (same base priority, same home queue) the oldest always has the highest effective
    priority, so a k-way merge of run heads yields the exact order without scanning the list.
    """

    def __init__(self) -> None:
        self._runs: dict[tuple[int, str], list[Entry]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, it: Interaction) -> None:
        run = self._runs.setdefault((it.priority, it.queue), [])
        insort(run, (it.arrived_at, it.seq, it))
        self._count += 1

    def remove(self, it: Interaction) -> bool:
        run = self._runs.get((it.priority, it.queue))
        if not run:
            return False
        i = bisect_left(run, (it.arrived_at, it.seq))
        if i < len(run) and run[i][2] is it:
            del run[i]
            self._count -= 1
            return True
        return False

    def ordered(self, now: float, eff: EffFn) -> Iterator[Interaction]:
        """Best first: higher effective priority, then longer wait, then arrival order."""
        heap: list[tuple[int, float, int, int, list[Entry]]] = []
        for run in self._runs.values():
            if run:
                at, seq, it = run[0]
                heap.append((-eff(it, now), at, seq, 0, run))
        heapq.heapify(heap)
        while heap:
            _, _, _, i, run = heap[0]
            yield run[i][2]
            i += 1
            if i < len(run):
                at, seq, it = run[i]
                heapq.heapreplace(heap, (-eff(it, now), at, seq, i, run))
            else:
                heapq.heappop(heap)

    def position(self, it: Interaction, now: float, eff: EffFn) -> int:
        """1-based place in line: entries of each run that sort before `it`, by binary search."""
        key = (-eff(it, now), it.arrived_at, it.seq)
        ahead = 0
        for run in self._runs.values():
            lo, hi = 0, len(run)
            while lo < hi:  # run entries sort ascending by key along the run
                mid = (lo + hi) // 2
                at, seq, other = run[mid]
                if (-eff(other, now), at, seq) < key:
                    lo = mid + 1
                else:
                    hi = mid
            ahead += lo
        return ahead + 1

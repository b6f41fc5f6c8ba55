"""A heap of deadlines. Entries are never removed early: a stale one is skipped when it falls due."""

from __future__ import annotations

import heapq
from collections.abc import Callable

Timer = tuple[float, int, str, str, object]  # at, seq, kind, subject, token


class Timers:
    def __init__(self, is_live: Callable[[Timer], bool]) -> None:
        self._heap: list[Timer] = []
        self._n = 0  # order of timers due at the same instant (kept by snapshots)
        self._is_live = is_live

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, at: float, kind: str, subject: str, token: object = None) -> None:
        self._n += 1
        heapq.heappush(self._heap, (at, self._n, kind, subject, token))

    def pop_due(self, now: float) -> Timer | None:
        """The next live timer due at or before `now`, else None."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            t = heapq.heappop(heap)
            if self._is_live(t):
                return t
        return None

    def next_at(self) -> float | None:
        """When the next live timer falls due (stale heads are dropped on the way)."""
        heap = self._heap
        while heap and not self._is_live(heap[0]):
            heapq.heappop(heap)
        return heap[0][0] if heap else None

"""Who may take what, kept up to date: per (queue, medium, skills asked), the open agents that may
take it, sorted by id and by idle time.

Routing an arrival used to walk every open agent of the queue three times (may it take this
medium, has it the skills; the longest idle; the first ids for the decision's trace). With a
thousand idle agents that was a quarter of the controller's CPU. The sets here change only when
an agent's openness, load or idle time changes, which the router already learns in `refresh`:
an arrival then reads a count, a few ids and the top of a heap.

The router keeps the rules: a set is exactly `[a for a in open[q] if a.can_take(rules, medium)
and a.has_skills(reqs)]`, built on first use and then updated by `update(agent)`.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Mapping

from calldesk.acd.agents import Agent
from calldesk.acd.capacity import CapacityRules

Reqs = tuple[tuple[str, int], ...]
Key = tuple[str, str, Reqs]  # queue, medium, skills asked


class EligibleSet:
    """The agents of one key: by id (`members`, `ids` sorted) and by idle time (a heap of
    `(idle_since, id)`; an entry whose agent left or whose idle time changed is skipped)."""

    __slots__ = ("members", "ids", "_heap")

    def __init__(self) -> None:
        self.members: dict[str, Agent] = {}
        self.ids: list[str] = []
        self._heap: list[tuple[float, str]] = []

    def add(self, agent: Agent) -> None:
        aid = agent.cfg.id
        if aid not in self.members:
            self.members[aid] = agent
            bisect.insort(self.ids, aid)
        heapq.heappush(self._heap, (agent.idle_since, aid))
        if len(self._heap) > 2 * len(self.members) + 64:
            self._rebuild()

    def discard(self, aid: str) -> None:
        if self.members.pop(aid, None) is not None:
            i = bisect.bisect_left(self.ids, aid)
            if i < len(self.ids) and self.ids[i] == aid:
                del self.ids[i]

    def longest_idle(self) -> Agent | None:
        """The member with the smallest (idle_since, id), as `min` over the members would give."""
        heap, members = self._heap, self.members
        while heap:
            since, aid = heap[0]
            a = members.get(aid)
            if a is not None and a.idle_since == since:
                return a
            heapq.heappop(heap)  # left, or idle since later (a newer entry exists)
        return None

    def first_ids(self, n: int) -> tuple[str, ...]:
        return tuple(self.ids[:n])

    def _rebuild(self) -> None:
        self._heap = [(a.idle_since, aid) for aid, a in self.members.items()]
        heapq.heapify(self._heap)


class EligibleSets:
    def __init__(self, rules: CapacityRules) -> None:
        self.rules = rules
        self._sets: dict[Key, EligibleSet] = {}
        self._keys_of: dict[str, list[Key]] = {}  # queue -> its keys in use

    def get(self, queue: str, medium: str, reqs: Reqs, open_q: Mapping[str, Agent]) -> EligibleSet:
        key = (queue, medium, reqs)
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = EligibleSet()
            self._keys_of.setdefault(queue, []).append(key)
            for a in open_q.values():
                if self._eligible(a, medium, reqs):
                    found.add(a)
        return found

    def update(self, agent: Agent, is_open: bool) -> None:
        """After the router put the agent in or out of its queues' open index."""
        aid = agent.cfg.id
        for q in agent.cfg.queues:
            for key in self._keys_of.get(q, ()):
                s = self._sets[key]
                if is_open and self._eligible(agent, key[1], key[2]):
                    s.add(agent)  # (again: its idle time may have changed; a heap push)
                else:
                    s.discard(aid)

    def clear(self) -> None:
        """Forget every set (the open index was replaced, e.g. by a snapshot's)."""
        self._sets.clear()
        self._keys_of.clear()

    def _eligible(self, a: Agent, medium: str, reqs: Reqs) -> bool:
        return a.can_take(self.rules, medium) and a.has_skills(reqs)

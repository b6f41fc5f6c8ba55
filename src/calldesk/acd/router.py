"""Matching: which agent for an interaction, and which interaction for a freed agent.

The fairness rule, across queues: an agent who serves several queues is given, among the
interactions it may take, the one with the highest *effective* priority (base priority plus
aging); among equals the one that has waited longest (earliest `arrived_at`); among exact ties
the one that arrived first in the ACD (`seq`). The same key orders every queue, so the choice
never depends on which queue happens to be looked at first.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator, Mapping

from calldesk.acd.agents import Agent
from calldesk.acd.capacity import CapacityRules
from calldesk.acd.decisions import Why
from calldesk.acd.eligible import EligibleSets
from calldesk.acd.interaction import Interaction
from calldesk.acd.interaction import InteractionState as S
from calldesk.acd.queues import QueueConfig, WaitingList
from calldesk.acd.strategies import STRATEGY_FUNCS, Context

OrderKey = tuple[int, float, int]


class Router:
    """Indexes (waiting lists per queue, open agents per queue) and the two matching questions."""

    def __init__(
        self,
        queues: Mapping[str, QueueConfig],
        agents: Mapping[str, Agent],
        rules: CapacityRules,
        rng: random.Random,
    ) -> None:
        self.queues = dict(queues)
        self.agents = agents
        self.rules = rules
        self.rng = rng
        self.waiting: dict[str, WaitingList] = {q: WaitingList() for q in queues}
        self.members: dict[str, dict[str, int]] = {q: {} for q in queues}
        for agent in agents.values():
            for q in agent.cfg.queues:
                self.members[q].setdefault(agent.id, len(self.members[q]))
        self.open: dict[str, dict[str, Agent]] = {q: {} for q in queues}
        self.last_rr: dict[str, int] = {q: -1 for q in queues}
        self.paused: set[str] = set()
        self.pulled: dict[str, dict[str, Interaction]] = {}  # agent -> pinned, oldest pin first
        self.eligible_sets = EligibleSets(rules)  # the usual arrival's candidates, kept current

    # ordering
    def eff(self, it: Interaction, now: float) -> int:
        return self.queues[it.queue].effective_priority(it.priority, now - it.arrived_at)

    def key(self, it: Interaction, now: float) -> OrderKey:
        return (-self.eff(it, now), it.arrived_at, it.seq)

    # indexes
    def list_waiting(self, it: Interaction) -> None:
        for q in it.listed:
            self.waiting[q].add(it)

    def unlist_waiting(self, it: Interaction) -> None:
        for q in it.listed:
            self.waiting[q].remove(it)

    def refresh(self, agent: Agent, now: float) -> bool:
        """Put the agent in or out of the open index of its queues; True if open."""
        is_open = agent.open_for_work(self.rules, now)
        agent.open = is_open
        for q in agent.cfg.queues:
            if is_open:
                self.open[q][agent.id] = agent
            else:
                self.open[q].pop(agent.id, None)
        self.eligible_sets.update(agent, is_open)
        return is_open

    # eligibility
    def _reqs(self, it: Interaction, via: str) -> list[tuple[str, int]]:
        if via == it.queue:
            return it.requirements(self.queues[via].skills)
        return list(self.queues[via].skills)

    def eligible(self, agent: Agent, it: Interaction, via: str, now: float) -> bool:
        if it.pulled_to is not None:  # a supervisor's pull overrides queue, skills and pause
            return agent.id == it.pulled_to and agent.can_take(self.rules, it.medium)
        if it.queue in self.paused:
            return False
        if it.sticky_agent and now < it.sticky_until and agent.id != it.sticky_agent:
            return False
        return agent.can_take(self.rules, it.medium) and agent.has_skills(self._reqs(it, via))

    def candidates(self, it: Interaction, now: float) -> list[Agent]:
        """Open agents of the interaction's queue and its backup queues that may take it."""
        if it.pulled_to is not None:
            a = self.agents.get(it.pulled_to)
            return [a] if a is not None and a.open and a.can_take(self.rules, it.medium) else []
        if it.queue in self.paused:
            return []
        if it.sticky_agent and now < it.sticky_until:
            a = self.agents.get(it.sticky_agent)
            if a is not None and any(
                a.id in self.open[q] and self.eligible(a, it, q, now) for q in it.listed
            ):
                return [a]
            return []
        # `eligible` without the checks made above (pull, pause, sticky), and the skills the
        # queue asks computed once per queue rather than once per agent: this runs over every
        # open agent for every arrival.
        rules, medium = self.rules, it.medium
        if len(it.listed) == 1:  # the usual case: no backup queue, no duplicates to skip
            q = next(iter(it.listed))
            reqs = self._reqs(it, q)
            return [
                a for a in self.open[q].values() if a.can_take(rules, medium) and a.has_skills(reqs)
            ]
        out: dict[str, Agent] = {}
        for q in it.listed:
            reqs = self._reqs(it, q)
            for aid, a in self.open[q].items():
                if aid not in out and a.can_take(rules, medium) and a.has_skills(reqs):
                    out[aid] = a
        return list(out.values())

    # Tests set this: every indexed decision is checked against the full walk it replaces.
    verify = False

    def choose_agents(self, it: Interaction, now: float) -> tuple[list[Agent], Why] | None:
        """Apply the home queue's strategy to the candidates; None if nobody may take it."""
        qcfg = self.queues[it.queue]
        if (
            qcfg.strategy == "longest_idle"
            and it.pulled_to is None
            and it.queue not in self.paused
            and not (it.sticky_agent and now < it.sticky_until)
            and len(it.listed) == 1
        ):
            fast = self._longest_idle_indexed(it)
            if self.verify:
                assert fast == self._choose_walking(it, now), (fast, it.id)
            return fast
        return self._choose_walking(it, now)

    def _longest_idle_indexed(self, it: Interaction) -> tuple[list[Agent], Why] | None:
        """The usual arrival (one queue, longest idle, no pull or sticky agent): the eligible
        set's count, first ids and longest idle (`calldesk.acd.eligible`), no walk."""
        q = next(iter(it.listed))
        s = self.eligible_sets.get(q, it.medium, tuple(self._reqs(it, q)), self.open[q])
        a = s.longest_idle()
        if a is None:
            return None
        pos = self.members[it.queue].get(a.id)
        if pos is not None:
            self.last_rr[it.queue] = pos
        rule = "longest_idle" + (f" (overflow step {it.step})" if it.step else "")
        notes = it.notes
        if it.sticky_agent:
            notes += (f"sticky: {it.sticky_agent} not free in time, widened",)
        why = Why(
            queue=it.queue,
            rule=rule,
            considered=s.first_ids(CONSIDERED_SHOWN),
            candidates=len(s.members),
            chosen=a.id,
            reason=f"idle since {a.idle_since:g}",
            context=notes,
        )
        return [a], why

    def _choose_walking(self, it: Interaction, now: float) -> tuple[list[Agent], Why] | None:
        cands = self.candidates(it, now)
        if not cands:
            return None
        qcfg = self.queues[it.queue]
        sticky = bool(it.sticky_agent and now < it.sticky_until)
        rule = "pulled" if it.pulled_to else "sticky" if sticky else qcfg.strategy
        if it.pulled_to:
            chosen, reason = cands, f"pulled to {it.pulled_to} by a supervisor"
        elif sticky:
            chosen, reason = cands, f"asked for {it.sticky_agent}"
        else:
            ctx = Context(qcfg.skills, self.members[it.queue], self.last_rr[it.queue], self.rng)
            chosen, reason = STRATEGY_FUNCS[qcfg.strategy](cands, ctx)
            pos = self.members[it.queue].get(chosen[0].id)
            if pos is not None:
                self.last_rr[it.queue] = pos
        if it.step:
            rule += f" (overflow step {it.step})"
        notes = it.notes
        if it.sticky_agent and not sticky and not it.pulled_to:
            notes += (f"sticky: {it.sticky_agent} not free in time, widened",)
        why = Why(
            queue=it.queue,
            rule=rule,
            considered=_first_ids(cands),
            candidates=len(cands),
            chosen=",".join(a.id for a in chosen),
            reason=reason,
            context=notes,
        )
        return chosen, why

    def ordered_for(self, agent: Agent, now: float) -> Iterator[tuple[Interaction, str]]:
        """Waiting interactions across the agent's queues in fairness order, with the queue seen."""
        queues = [q for q in agent.cfg.queues if self.waiting[q]]
        if len(queues) == 1:
            q = queues[0]
            for it in self.waiting[q].ordered(now, self.eff):
                yield it, q
            return
        heap: list[tuple[OrderKey, int, Interaction, str, Iterator[Interaction]]] = []
        for i, q in enumerate(queues):
            gen = self.waiting[q].ordered(now, self.eff)
            first = next(gen, None)
            if first is not None:
                heap.append((self.key(first, now), i, first, q, gen))
        heapq.heapify(heap)
        while heap:
            _, i, it, q, gen = heap[0]
            yield it, q
            nxt = next(gen, None)
            if nxt is None:
                heapq.heappop(heap)
            else:
                heapq.heapreplace(heap, (self.key(nxt, now), i, nxt, q, gen))

    def best_for(self, agent: Agent, now: float) -> Interaction | None:
        """What a supervisor pinned to this agent first; then the first waiting interaction this
        agent may take, by the fairness rule."""
        pins = self.pulled.get(agent.id)
        if pins:
            for iid, it in list(pins.items()):
                if it.pulled_to != agent.id or it.state is not S.WAITING:
                    del pins[iid]  # taken, refused, moved or gone
                elif agent.can_take(self.rules, it.medium):
                    return it
        for it, q in self.ordered_for(agent, now):
            if self.eligible(agent, it, q, now):
                return it
        return None


CONSIDERED_SHOWN = 16  # a decision among a thousand idle agents names the first few, and counts


def _first_ids(cands: list[Agent]) -> tuple[str, ...]:
    ids = [a.cfg.id for a in cands]  # not the `id` property: this runs per candidate
    if len(ids) > CONSIDERED_SHOWN:
        return tuple(heapq.nsmallest(CONSIDERED_SHOWN, ids))
    return tuple(sorted(ids))

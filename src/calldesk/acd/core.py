"""The ACD core: events in, decisions out, time passed in. No IO and no wall clock.

Order inside one `handle_many(events, now)`: timers due at or before `now` first (a lease ending
at `now` has ended), then the events in the order given, then routing. With `settle_first`
(facts a restart found on the switch, dated when they were found) the events go before the
timers that fell due while no one watched: a leg that is gone is settled before a lease or a
wrap-up of that time acts on it. Routing places new and
returned interactions first (best first), then gives freed agents work by the fairness rule in
`router.py`; when several agents are freed together the queue's strategy chooses among them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from calldesk.acd import events as ev
from calldesk.acd import snapshot as snapshots
from calldesk.acd.agents import Agent, AgentConfig, AgentPolicy, AgentState
from calldesk.acd.capacity import CapacityRules
from calldesk.acd.decisions import Cancel, Decision, Ignored, JournalRecord, Offer, Why
from calldesk.acd.interaction import Interaction
from calldesk.acd.interaction import InteractionState as S
from calldesk.acd.lifecycle import Lifecycle
from calldesk.acd.queues import QueueConfig
from calldesk.acd.router import Router
from calldesk.acd.supervisor import Supervision
from calldesk.acd.timers import Timer, Timers
from calldesk.acd.view import AcdView


@dataclass
class OfferRecord:
    id: str
    agent: str
    interaction: str
    lease_until: float


class Acd:
    def __init__(
        self,
        queues: Sequence[QueueConfig],
        agents: Sequence[AgentConfig],
        *,
        rules: CapacityRules | None = None,
        policy: AgentPolicy | None = None,
        seed: int = 0,
        keep_journal: bool = True,
    ) -> None:
        self.queues = {q.name: q for q in queues}
        self.agents = {a.id: Agent(cfg=a) for a in agents}
        self.rules = rules or CapacityRules()
        self.policy = policy or AgentPolicy()
        self.router = Router(self.queues, self.agents, self.rules, random.Random(seed))
        self.interactions: dict[str, Interaction] = {}
        self.offers: dict[str, OfferRecord] = {}
        self.last_agent: dict[str, str] = {}  # customer -> agent who last served them
        self.aht: dict[str, float] = {q.name: q.aht_s for q in queues}
        self.timers = Timers(self._timer_live)
        self.journal: list[JournalRecord] = []
        self.keep_journal = keep_journal
        self.now = 0.0
        self._seq = 0
        self._offer_n = 0
        self._out: list[Decision] = []
        self._pend_items: list[Interaction] = []
        self._pend_agents: dict[str, Agent] = {}
        self.lifecycle = Lifecycle(self)
        self.supervision = Supervision(self)
        self._handlers: dict[type, Callable[[Any], None]] = {
            ev.OfferAccepted: self._on_accepted,
            ev.OfferRefused: self._on_refused,
            ev.OfferLost: self._on_lost,
            ev.ConnectFailed: self._on_connect_failed,
            ev.InteractionRequeued: self._on_requeued,
            **self.lifecycle.handlers(),
            **self.supervision.handlers(),
        }

    def view(self) -> AcdView:
        """The read-only view of this core (see `calldesk.acd.view`)."""
        return AcdView(self)

    # entry points
    def handle(self, event: ev.Event, now: float) -> list[Decision]:
        return self.handle_many((event,), now)

    def handle_many(
        self, events: Iterable[ev.Event], now: float, settle_first: bool = False
    ) -> list[Decision]:
        now = max(self.now, now)
        self._out = []
        if settle_first:
            self.now = now
            for e in events:
                self._handlers[type(e)](e)
        while (t := self.timers.pop_due(now)) is not None:
            self.now = max(self.now, t[0])  # a timer's effects are dated when it fell due
            self._fire(t)
        self.now = now
        if not settle_first:
            for e in events:
                self._handlers[type(e)](e)
        self._route()
        return self._out

    def next_deadline(self) -> float | None:
        """When `Tick` next has work to do."""
        return self.timers.next_at()

    def snapshot(self) -> dict[str, Any]:
        """Everything that affects future decisions, JSON-serialisable (see `snapshot.py`)."""
        return snapshots.take(self)

    def restore(self, snap: dict[str, Any]) -> None:
        """Load a snapshot into this fresh core, built from the same configuration."""
        snapshots.restore(self, snap)

    def drain_journal(self) -> list[JournalRecord]:
        out, self.journal = self.journal, []
        return out

    # helpers shared with the lifecycle and supervision parts
    def _log(self, record_kind: str, subject: str, **data: object) -> None:
        if self.keep_journal:
            self.journal.append(JournalRecord(self.now, record_kind, subject, data))

    def _ignore(self, e: object, reason: str) -> None:
        self._out.append(Ignored(e, reason))

    def _touch(self, a: Agent) -> None:
        """Re-derive the agent's state, journal a change, and re-index it for routing."""
        st = a.derive_state()
        if st is not a.state:
            a.state, a.state_since = st, self.now
            if st is AgentState.AVAILABLE:
                a.idle_since = self.now
            # a wrap-up says when it ends by itself (the API's `wrapup_until`)
            wrap = st is AgentState.WRAP_UP
            until = {"until": max(w[2] for w in a.wrapups.values())} if wrap else {}
            self._log("agent.state", a.id, state=st.value, reason=a.reason, **until)
        if self.router.refresh(a, self.now):
            self._pend_agents[a.id] = a

    def _enqueue(self, it: Interaction) -> None:
        it.state = S.WAITING
        self.router.list_waiting(it)
        self._pend_items.append(it)

    # routing
    def _route(self) -> None:
        now, router = self.now, self.router
        items, self._pend_items = self._pend_items, []
        if len(items) > 1:
            items.sort(key=lambda i: router.key(i, now))
        for it in items:
            if it.state is S.WAITING:
                self._place(it)
        freed, self._pend_agents = list(self._pend_agents.values()), {}
        while freed:
            freed = [a for a in freed if a.open]
            best: Interaction | None = None
            for a in freed:
                found = router.best_for(a, now)
                if found is not None and (
                    best is None or router.key(found, now) < router.key(best, now)
                ):
                    best = found
            if best is None or not self._place(best):
                break

    def _place(self, it: Interaction) -> bool:
        choice = self.router.choose_agents(it, self.now)
        if choice is None:
            return False
        agents, why = choice
        self.router.unlist_waiting(it)
        it.state = S.OFFERED
        for a in agents:
            self._offer(it, a, why)
        return True

    def _offer(self, it: Interaction, a: Agent, why: Why) -> None:
        self._offer_n += 1
        oid = f"{it.id}/o{self._offer_n}"
        until = self.now + self.policy.lease_s
        self.offers[oid] = OfferRecord(oid, a.id, it.id, until)
        a.offers[oid] = it.medium
        it.offers.add(oid)
        self.timers.add(until, "lease", oid, until)
        self._log("interaction.offered", it.id, queue=it.queue, agent=a.id, offer=oid, why=str(why))
        self._out.append(
            Offer(
                id=oid,
                agent=a.id,
                contact=a.cfg.contact,
                interaction=it.id,
                medium=it.medium,
                queue=it.queue,
                lease_until=until,
                caller_id_name=f"{it.queue}: {it.customer}" if it.customer else it.queue,
                caller_id_number=it.customer,
                callback_number=it.callback_number,
                why=why,
            )
        )
        self._touch(a)

    def _withdraw(self, oid: str, reason: str) -> None:
        """Cancel an offer without penalty to the agent."""
        rec = self.offers.pop(oid)
        a, it = self.agents[rec.agent], self.interactions[rec.interaction]
        a.offers.pop(oid, None)
        it.offers.discard(oid)
        self._out.append(Cancel(oid, a.id, it.id, reason))
        self._log("offer.cancelled", it.id, agent=a.id, offer=oid, reason=reason)
        self._touch(a)

    # offers
    def _on_accepted(self, e: ev.OfferAccepted) -> None:
        rec = self.offers.pop(e.offer, None)
        if rec is None:
            self._ignore(e, "offer no longer active (expired, cancelled or unknown)")
            return
        a, it = self.agents[rec.agent], self.interactions[rec.interaction]
        a.offers.pop(rec.id, None)
        it.offers.discard(rec.id)
        a.missed = 0
        it.pulled_to = None
        for other in sorted(it.offers):
            self._withdraw(other, "answered by another agent")
        it.agent = a.id
        a.active[it.id] = it.medium
        if it.callback_number:
            self.lifecycle.dial_callback(it, a, rec.id)
        else:
            self._connect(it, a)
        self._touch(a)

    def _connect(self, it: Interaction, a: Agent) -> None:
        it.state, it.answered_at = S.CONNECTED, self.now
        if it.customer:
            self.last_agent[it.customer] = a.id
        if it.customer_ref:
            self.last_agent[it.customer_ref] = a.id
        self._log(
            "interaction.answered",
            it.id,
            queue=it.queue,
            agent=a.id,
            medium=it.medium,
            wait=self.now - it.arrived_at,
        )

    def _on_refused(self, e: ev.OfferRefused) -> None:
        rec = self.offers.get(e.offer)
        if rec is None:
            self._ignore(e, "offer no longer active (expired, cancelled or unknown)")
            return
        self._refuse(rec, e.cause)

    def _refuse(self, rec: OfferRecord, cause: str) -> None:
        del self.offers[rec.id]
        a, it, p = self.agents[rec.agent], self.interactions[rec.interaction], self.policy
        a.offers.pop(rec.id, None)
        it.offers.discard(rec.id)
        self._log("offer.refused", it.id, agent=a.id, offer=rec.id, cause=cause)
        if it.pulled_to == a.id:  # a refused pull goes back to anyone
            it.pulled_to = None
        delay = {
            "reject": p.reject_delay_s,
            "busy": p.busy_delay_s,
            "failed": p.failed_delay_s,
        }.get(cause, p.no_answer_delay_s)
        if cause in ("no_answer", "timeout") or (cause == "reject" and p.reject_counts_as_missed):
            a.missed += 1
        if cause == "unreachable":
            # Longest-idle would put this agent first again at once: take them out until the
            # phone can be reached (or the retry), and say so.
            a.ready, a.reason = False, "unreachable"
            retry = self.now + p.unreachable_retry_s if p.unreachable_retry_s > 0 else None
            self._log("agent.unreachable", a.id, offer=rec.id, retry_at=retry)
            if retry is not None:
                a.cooldown_until = retry
                self.timers.add(retry, "cooldown", a.id, retry)
        elif p.rona_after and a.missed >= p.rona_after:
            a.ready, a.reason, a.missed = False, "missed", 0
            self._log("agent.rona", a.id, offer=rec.id)
        elif delay > 0:
            a.cooldown_until = self.now + delay
            self.timers.add(a.cooldown_until, "cooldown", a.id, a.cooldown_until)
        self._touch(a)
        if not it.offers and it.state is S.OFFERED:
            self._log("interaction.requeued", it.id, queue=it.queue, cause=cause)
            self._enqueue(it)  # same arrival key: back to the head, not the tail

    def _on_lost(self, e: ev.OfferLost) -> None:
        rec = self.offers.get(e.offer)
        if rec is None:
            self._ignore(e, "offer no longer active (expired, cancelled or unknown)")
            return
        it = self.interactions[rec.interaction]
        self._withdraw(rec.id, e.reason)
        if not it.offers and it.state is S.OFFERED:
            self._log("interaction.requeued", it.id, queue=it.queue, cause=e.reason)
            self._enqueue(it)  # same arrival key: back to the head

    def _on_connect_failed(self, e: ev.ConnectFailed) -> None:
        it = self.interactions.get(e.interaction)
        if it is None or it.state is not S.CONNECTED or it.agent is None:
            self._ignore(e, f"interaction {e.interaction} is not connected to an agent")
            return
        a = self.agents[it.agent]
        a.active.pop(it.id, None)
        a.idle_since = self.now
        # Not straight back to the same failing phone; a bridge the switch never answered (the
        # box was slow) says nothing of the phone, and sidelining agents then cost capacity.
        if self.policy.no_answer_delay_s > 0 and e.cause not in ev.LINK_CAUSES:
            a.cooldown_until = self.now + self.policy.no_answer_delay_s
            self.timers.add(a.cooldown_until, "cooldown", a.id, a.cooldown_until)
        self._log("interaction.connect_failed", it.id, queue=it.queue, agent=a.id, cause=e.cause)
        it.agent, it.answered_at = None, None
        self._log("interaction.requeued", it.id, queue=it.queue, cause=e.cause)
        self._enqueue(it)  # same arrival key: the caller keeps their place
        self._touch(a)

    def _on_requeued(self, e: ev.InteractionRequeued) -> None:
        it = self.interactions.get(e.interaction)
        if it is None or it.state is not S.CONNECTED:
            self._ignore(e, f"interaction {e.interaction} is not connected")
            return
        if e.queue not in self.queues:
            self._ignore(e, f"unknown queue {e.queue!r}")
            return
        talk = self.now - (it.answered_at or self.now)
        self._log(
            "interaction.transferred",
            it.id,
            source=it.queue,
            queue=e.queue,
            agent=it.agent,
            talk=talk,
        )
        if it.agent is not None:  # not released yet: the agent's part ends with a wrap-up
            self.lifecycle.wrap(self.agents[it.agent], it, talk)
        it.agent, it.answered_at = None, None
        it.queue, it.moves = e.queue, it.moves + 1
        it.arrived_at = self.now  # its wait in the new queue starts now
        self._enqueue(it)

    # timers
    def _timer_live(self, t: Timer) -> bool:
        at, _, kind, subject, token = t
        if kind == "lease":
            rec = self.offers.get(subject)
            return rec is not None and rec.lease_until == token
        if kind == "cooldown":
            return self.agents[subject].cooldown_until == token
        if kind == "wrap":
            agent_id, iid = subject.split("\0", 1)
            w = self.agents[agent_id].wrapups.get(iid)
            return w is not None and w[2] == at
        it = self.interactions.get(subject)
        if it is None:
            return False
        if kind == "step":
            return (it.moves, it.step) == token
        if kind in ("maxwait", "announce"):
            return it.moves == token  # a moved interaction follows its new queue's rules
        return True

    def _fire(self, t: Timer) -> None:
        _, _, kind, subject, token = t
        if kind == "lease":
            rec = self.offers[subject]
            self._out.append(Cancel(rec.id, rec.agent, rec.interaction, "lease expired"))
            self._refuse(rec, "timeout")
        elif kind == "cooldown":
            a = self.agents[subject]
            if a.logged_in and not a.ready and a.reason == "unreachable":
                a.ready, a.reason = True, None  # try the phone again
            self._touch(a)
        elif kind == "wrap":
            agent_id, iid = subject.split("\0", 1)
            self.lifecycle.end_wrap(self.agents[agent_id], iid)
        else:
            self.lifecycle.fire_interaction_timer(kind, self.interactions[subject], token)

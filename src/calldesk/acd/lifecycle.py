"""Event handlers of the ACD core for interactions, agents, callbacks and timed rules.

A mixin of `core.Acd`, kept apart so each file stays one job: this one is the lifecycle, the core
holds offers, leases and the routing loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from calldesk.acd import context as context_rules
from calldesk.acd import events as ev
from calldesk.acd.decisions import Announce, DialCallback, Overflow, Why
from calldesk.acd.interaction import Interaction
from calldesk.acd.interaction import InteractionState as S

if TYPE_CHECKING:
    from calldesk.acd.agents import Agent

_LIVE = (S.WAITING, S.OFFERED)


class LifecycleMixin:
    HANDLERS: dict[type, Any] = {}

    # interactions
    def _on_arrived(self: Any, e: ev.InteractionArrived) -> None:
        if e.interaction in self.interactions:
            self._ignore(e, "interaction already known")
            return
        q = self.queues.get(e.queue)
        if q is None:
            self._ignore(e, f"unknown queue {e.queue!r}")
            return
        self._seq += 1
        ctx = self._context(q, e)
        skills = dict(e.skills)
        for skill, level in ctx.skills.items():
            skills[skill] = max(skills.get(skill, 0), level)
        it = Interaction(
            id=e.interaction,
            queue=q.name,
            medium=e.medium,
            arrived_at=self.now,
            seq=self._seq,
            priority=(q.priority if e.priority is None else e.priority) + ctx.priority_add,
            customer=e.customer,
            skills=skills,
            data=dict(e.data),
            own_priority=e.priority is not None or ctx.priority_add != 0,
            notes=ctx.notes,
            customer_ref=str((e.context or {}).get("customer") or ""),
        )
        self._log(
            "interaction.arrived", it.id, queue=q.name, medium=it.medium, customer=it.customer
        )
        waiting = len(self.router.waiting[q.name])
        if q.max_size is not None and waiting >= q.max_size:
            why = Why(q.name, "max_size", reason=f"{waiting} waiting, max {q.max_size}")
            self._leave(it, q.full_action, q.full_target, why)
            return
        self.interactions[it.id] = it
        sticky = e.sticky_agent or (self.last_agent.get(e.customer) if e.sticky_last else None)
        if sticky and e.sticky_s > 0:
            it.sticky_agent, it.sticky_until = sticky, self.now + e.sticky_s
            self.timers.add(it.sticky_until, "sticky", it.id)
        elif ctx.sticky_agent:
            it.sticky_agent, it.sticky_until = ctx.sticky_agent, self.now + q.context.sticky_s
            self.timers.add(it.sticky_until, "sticky", it.id)
        self._queue_timers(it)
        self._enqueue(it)

    def _context(self: Any, q: Any, e: ev.InteractionArrived) -> context_rules.Applied:
        """The queue's routing-by-context rules on what the arrival says of the customer."""
        if not q.context.active:
            return context_rules.Applied()
        ctx = e.context or {}
        last = ctx.get("last_agent") or self.last_agent.get(str(ctx.get("customer") or ""))
        last = last or self.last_agent.get(e.customer)
        members = {aid: self.agents[aid].logged_in for aid in self.router.members.get(q.name, {})}
        return context_rules.apply(q.context, ctx, last, members)

    def _queue_timers(self: Any, it: Interaction) -> None:
        """The home queue's timed rules, counted from arrival (a move keeps the age)."""
        q, gen = self.queues[it.queue], it.moves
        if q.overflow:
            self.timers.add(it.arrived_at + q.overflow[0].after_s, "step", it.id, (gen, 0))
        if q.max_wait_s is not None:
            self.timers.add(it.arrived_at + q.max_wait_s, "maxwait", it.id, gen)
        if q.announce_every_s:
            self.timers.add(self.now + q.announce_every_s, "announce", it.id, gen)

    def _on_ended(self: Any, e: ev.InteractionEnded) -> None:
        it = self.interactions.get(e.interaction)
        if it is None:
            self._ignore(e, "interaction not active")
            return
        if it.state is S.CONNECTED:
            self._finish(it, e.cause)
            return
        if it.state is S.WAITING:
            self.router.unlist_waiting(it)
        during_offer = it.state is S.OFFERED
        for oid in sorted(it.offers):
            self._withdraw(oid, "customer hung up")
        if it.state is S.DIALING:  # a callback the dispatcher gave up on
            self._release_callback_agent(it)
        it.state = S.ABANDONED
        self._log(
            "interaction.abandoned",
            it.id,
            queue=it.queue,
            medium=it.medium,
            wait=self.now - it.arrived_at,
            during_offer=during_offer,
            cause=e.cause,
        )
        del self.interactions[it.id]

    def _finish(self: Any, it: Interaction, cause: str) -> None:
        a = self.agents[it.agent] if it.agent else None  # None: a supervisor took it over
        talk = self.now - (it.answered_at or self.now)
        it.state = S.ENDED
        self.aht[it.queue] = 0.9 * self.aht[it.queue] + 0.1 * talk
        self._log(
            "interaction.ended", it.id, queue=it.queue, agent=it.agent, talk=talk, cause=cause
        )
        del self.interactions[it.id]
        if a is not None:
            self._wrap(a, it, talk)

    def _wrap(self: Any, a: Agent, it: Interaction, talk: float) -> None:
        """The agent's part of an interaction is over: count it and start the wrap-up."""
        medium = a.active.pop(it.id)
        a.talk_s += talk
        a.handled += 1
        wrap = a.cfg.wrap_up_s if a.cfg.wrap_up_s is not None else self.queues[it.queue].wrap_up_s
        if wrap > 0:
            a.wrapups[it.id] = (medium, self.now, self.now + wrap)
            self.timers.add(self.now + wrap, "wrap", f"{a.id}\0{it.id}")
        else:
            a.idle_since = self.now
        self._touch(a)

    def _leave(self: Any, it: Interaction, kind: str, target: str, why: Why) -> None:
        """The interaction leaves the ACD for voicemail, a flow, or just out."""
        if it.state is S.WAITING:
            self.router.unlist_waiting(it)
        for oid in sorted(it.offers):
            self._withdraw(oid, f"overflow to {kind}")
        it.state = S.OVERFLOWED
        self._out.append(Overflow(it.id, kind, target, why))
        self._log(
            "interaction.overflowed",
            it.id,
            queue=it.queue,
            medium=it.medium,
            kind=kind,
            target=target,
            rule=why.rule,
            wait=self.now - it.arrived_at,
        )
        self.interactions.pop(it.id, None)

    def _on_breakout(self: Any, e: ev.Breakout) -> None:
        it = self.interactions.get(e.interaction)
        action = self.queues[it.queue].breakout.get(e.key) if it else None
        if it is None or it.state is not S.WAITING or action is None:
            self._ignore(e, "not waiting, or no breakout on that key")
            return
        why = Why(it.queue, f"breakout key {e.key}", reason=action)
        if action == "callback" and it.customer:
            self._to_callback(it, it.customer, why)
        else:
            self._leave(it, "voicemail", self.queues[it.queue].voicemail, why)

    # queued callbacks
    def _to_callback(self: Any, it: Interaction, number: str, why: Why) -> None:
        it.callback_number = number
        self._log("callback.requested", it.id, queue=it.queue, number=number)
        self._out.append(Overflow(it.id, "callback", number, why))

    def _on_callback_requested(self: Any, e: ev.CallbackRequested) -> None:
        it = self.interactions.get(e.interaction)
        if it is None or it.state is not S.WAITING:
            self._ignore(e, "only a waiting interaction can become a callback")
            return
        self._to_callback(it, e.number, Why(it.queue, "callback requested", reason="keeps place"))

    def _dial_callback(self: Any, it: Interaction, a: Agent, oid: str) -> None:
        it.state = S.DIALING
        it.callback_attempts += 1
        self._log("callback.dialing", it.id, agent=a.id, attempt=it.callback_attempts)
        self._out.append(
            DialCallback(oid, a.id, it.id, it.callback_number or "", it.callback_attempts)
        )

    def _on_callback_connected(self: Any, e: ev.CallbackConnected) -> None:
        it = self.interactions.get(e.interaction)
        if it is None or it.state is not S.DIALING:
            self._ignore(e, "no callback being dialed")
            return
        self._connect(it, self.agents[it.agent])

    def _release_callback_agent(self: Any, it: Interaction) -> None:
        a = self.agents[it.agent]
        a.active.pop(it.id, None)
        a.idle_since = self.now
        it.agent = None
        self._touch(a)

    def _on_callback_failed(self: Any, e: ev.CallbackFailed) -> None:
        it = self.interactions.get(e.interaction)
        if it is None or it.state is not S.DIALING:
            self._ignore(e, "no callback being dialed")
            return
        self._release_callback_agent(it)
        # A number the outbound rules refuse (`refused_<rule>`) stays refused: no retry.
        permanent = e.cause.startswith("refused_")
        if not permanent and it.callback_attempts < self.policy.callback_attempts:
            it.state = S.RETRY
            at = self.now + self.policy.callback_retry_s
            self.timers.add(at, "retry", it.id)
            self._log(
                "callback.failed", it.id, cause=e.cause, attempt=it.callback_attempts, retry_at=at
            )
        else:
            if permanent:
                self._log(
                    "callback.failed",
                    it.id,
                    cause=e.cause,
                    attempt=it.callback_attempts,
                    retry_at=None,
                )
            rule = (
                "callback refused by outbound rules" if permanent else "callback attempts exhausted"
            )
            why = Why(it.queue, rule, reason=e.cause)
            self._leave(it, "exit", "", why)

    # agents
    def _agent(self: Any, e: Any) -> Agent | None:
        a: Agent | None = self.agents.get(e.agent)
        if a is None:
            self._ignore(e, f"unknown agent {e.agent!r}")
        return a

    def _on_login(self: Any, e: ev.AgentLogin) -> None:
        if (a := self._agent(e)) is None:
            return
        a.logged_in, a.ready, a.reason, a.missed = True, e.ready, None if e.ready else "login", 0
        self._log("agent.login", a.id, queues=list(a.cfg.queues))
        self._touch(a)

    def _on_logout(self: Any, e: ev.AgentLogout) -> None:
        if (a := self._agent(e)) is None:
            return
        a.logged_in, a.ready, a.reason = False, False, None
        for oid in sorted(a.offers):
            it = self.interactions[self.offers[oid].interaction]
            self._withdraw(oid, "agent logged out")
            if not it.offers and it.state is S.OFFERED:
                self._log("interaction.requeued", it.id, queue=it.queue, cause="agent logged out")
                self._enqueue(it)
        self._unpin_agent(a)
        self._log("agent.logout", a.id)
        self._touch(a)

    def _on_ready(self: Any, e: ev.AgentReady) -> None:
        if (a := self._agent(e)) is None:
            return
        if not a.logged_in:
            self._ignore(e, "agent is logged out")
            return
        a.ready, a.reason, a.missed = True, None, 0
        self._touch(a)

    def _on_not_ready(self: Any, e: ev.AgentNotReady) -> None:
        if (a := self._agent(e)) is None:
            return
        a.ready, a.reason = False, e.reason
        self._log("agent.not_ready", a.id, reason=e.reason)
        self._touch(a)

    def _on_direct_start(self: Any, e: ev.DirectCallStarted) -> None:
        if (a := self._agent(e)) is not None:
            a.direct.add(e.call)
            self._touch(a)

    def _on_direct_end(self: Any, e: ev.AgentCallEnded) -> None:
        if (a := self._agent(e)) is None:
            return
        if e.call not in a.direct:
            self._ignore(e, "no such off-queue call")
            return
        a.direct.discard(e.call)
        a.idle_since = self.now
        self._touch(a)

    def _on_wrap_done(self: Any, e: ev.WrapUpDone) -> None:
        if (a := self._agent(e)) is None:
            return
        ids = [e.interaction] if e.interaction else sorted(a.wrapups)
        if not any(i in a.wrapups for i in ids):
            self._ignore(e, "agent is not in wrap-up")
        for iid in ids:
            if iid in a.wrapups:
                self._end_wrap(a, iid)

    def _end_wrap(self: Any, a: Agent, iid: str) -> None:
        _, start, _ = a.wrapups.pop(iid)
        a.wrap_s += self.now - start
        a.idle_since = self.now
        self._log("agent.wrapup", a.id, interaction=iid, duration=self.now - start)
        self._touch(a)

    def _on_queue_paused(self: Any, e: ev.QueuePaused) -> None:
        if e.queue not in self.queues:
            self._ignore(e, f"unknown queue {e.queue!r}")
            return
        self.router.paused.add(e.queue)
        self._log("queue.paused", e.queue)

    def _on_queue_resumed(self: Any, e: ev.QueueResumed) -> None:
        if e.queue not in self.router.paused:
            self._ignore(e, "queue is not paused")
            return
        self.router.paused.discard(e.queue)
        self._log("queue.resumed", e.queue)
        for it in self.router.waiting[e.queue].ordered(self.now, self.router.eff):
            if it.queue == e.queue:
                self._pend_items.append(it)

    def _on_tick(self: Any, e: ev.Tick) -> None:
        """Due timers already ran in `handle_many`; nothing else to do."""

    # timed rules
    def _fire_interaction_timer(self: Any, kind: str, it: Interaction, token: object) -> None:
        q = self.queues[it.queue]
        if kind == "step" and it.state in _LIVE:
            if it.step < len(q.overflow):  # a restart on edited rules may have fewer steps now
                self._apply_step(it, q.overflow[it.step])
        elif kind == "maxwait" and it.state in _LIVE and not it.callback_number:
            if it.state is S.OFFERED:  # let the offer run; look again shortly
                self.timers.add(self.now + 1.0, "maxwait", it.id, it.moves)
            else:
                self._leave(it, q.max_wait_action, q.max_wait_target, Why(q.name, "max_wait"))
        elif kind == "announce" and it.state in _LIVE and not it.callback_number:
            if it.state is S.WAITING:
                pos = self.router.waiting[q.name].position(it, self.now, self.router.eff)
                self._out.append(Announce(it.id, pos, self._expected_wait(q.name, pos)))
            self.timers.add(self.now + (q.announce_every_s or 0), "announce", it.id, it.moves)
        elif kind == "sticky" and it.state is S.WAITING:
            self._pend_items.append(it)  # anyone may take it now
        elif kind == "retry" and it.state is S.RETRY:
            self._log("interaction.requeued", it.id, queue=it.queue, cause="callback retry")
            self._enqueue(it)

    def _apply_step(self: Any, it: Interaction, rule: Any) -> None:
        q = self.queues[it.queue]
        it.step += 1
        if it.step < len(q.overflow):
            at = it.arrived_at + q.overflow[it.step].after_s
            self.timers.add(at, "step", it.id, (it.moves, it.step))
        why = Why(q.name, f"overflow {rule.action} after {rule.after_s:g}s", reason=rule.target)
        self._log(
            "interaction.overflow_step", it.id, queue=q.name, action=rule.action, step=it.step
        )
        if rule.action in ("voicemail", "flow"):
            self._leave(it, rule.action, rule.target, why)
            return
        if rule.action == "callback":
            if it.customer and not it.callback_number:
                self._to_callback(it, it.customer, why)
            return
        waiting = it.state is S.WAITING
        if waiting:
            self.router.unlist_waiting(it)
        if rule.action == "widen_skills":
            it.dropped = it.dropped | (frozenset(rule.skills) or frozenset({"*"}))
        elif rule.action == "lower_level":
            it.level_drop += rule.by
        elif rule.action == "add_queue" and rule.target not in it.listed:
            it.via = (*it.via, rule.target)
        if waiting:
            self._enqueue(it)

    def _expected_wait(self: Any, queue: str, position: int) -> float:
        staffed = sum(
            1
            for aid in self.router.members[queue]
            if self.agents[aid].logged_in and (self.agents[aid].ready or self.agents[aid].active)
        )
        return float(position * self.aht[queue] / max(1, staffed))


LifecycleMixin.HANDLERS = {
    ev.InteractionArrived: LifecycleMixin._on_arrived,
    ev.InteractionEnded: LifecycleMixin._on_ended,
    ev.Breakout: LifecycleMixin._on_breakout,
    ev.CallbackRequested: LifecycleMixin._on_callback_requested,
    ev.CallbackConnected: LifecycleMixin._on_callback_connected,
    ev.CallbackFailed: LifecycleMixin._on_callback_failed,
    ev.AgentLogin: LifecycleMixin._on_login,
    ev.AgentLogout: LifecycleMixin._on_logout,
    ev.AgentReady: LifecycleMixin._on_ready,
    ev.AgentNotReady: LifecycleMixin._on_not_ready,
    ev.DirectCallStarted: LifecycleMixin._on_direct_start,
    ev.AgentCallEnded: LifecycleMixin._on_direct_end,
    ev.WrapUpDone: LifecycleMixin._on_wrap_done,
    ev.Tick: LifecycleMixin._on_tick,
    ev.QueuePaused: LifecycleMixin._on_queue_paused,
    ev.QueueResumed: LifecycleMixin._on_queue_resumed,
}

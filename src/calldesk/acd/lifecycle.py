"""Event handlers of the ACD core for interactions, agents, callbacks and timed rules.

A part of `core.Acd`, composed (`acd.lifecycle`) and kept apart so each file stays one job: this
one is the lifecycle, the core holds offers, leases and the routing loop. It shares the core's
state through `self.acd`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from calldesk.acd import context as context_rules
from calldesk.acd import events as ev
from calldesk.acd.decisions import Announce, DialCallback, Overflow, Why
from calldesk.acd.interaction import Interaction
from calldesk.acd.interaction import InteractionState as S

if TYPE_CHECKING:
    from calldesk.acd.agents import Agent
    from calldesk.acd.core import Acd

_LIVE = (S.WAITING, S.OFFERED)


class Lifecycle:
    def __init__(self, acd: Acd) -> None:
        self.acd = acd

    # interactions
    def _on_arrived(self, e: ev.InteractionArrived) -> None:
        acd = self.acd
        if e.interaction in acd.interactions:
            acd._ignore(e, "interaction already known")
            return
        q = acd.queues.get(e.queue)
        if q is None:
            acd._ignore(e, f"unknown queue {e.queue!r}")
            return
        acd._seq += 1
        ctx = self._context(q, e)
        skills = dict(e.skills)
        for skill, level in ctx.skills.items():
            skills[skill] = max(skills.get(skill, 0), level)
        it = Interaction(
            id=e.interaction,
            queue=q.name,
            medium=e.medium,
            arrived_at=acd.now,
            seq=acd._seq,
            priority=(q.priority if e.priority is None else e.priority) + ctx.priority_add,
            customer=e.customer,
            skills=skills,
            data=dict(e.data),
            own_priority=e.priority is not None or ctx.priority_add != 0,
            notes=ctx.notes,
            customer_ref=str((e.context or {}).get("customer") or ""),
        )
        acd._log("interaction.arrived", it.id, queue=q.name, medium=it.medium, customer=it.customer)
        waiting = len(acd.router.waiting[q.name])
        if q.max_size is not None and waiting >= q.max_size:
            why = Why(q.name, "max_size", reason=f"{waiting} waiting, max {q.max_size}")
            self._leave(it, q.full_action, q.full_target, why)
            return
        acd.interactions[it.id] = it
        sticky = e.sticky_agent or (acd.last_agent.get(e.customer) if e.sticky_last else None)
        if sticky and e.sticky_s > 0:
            it.sticky_agent, it.sticky_until = sticky, acd.now + e.sticky_s
            acd.timers.add(it.sticky_until, "sticky", it.id)
        elif ctx.sticky_agent:
            it.sticky_agent, it.sticky_until = ctx.sticky_agent, acd.now + q.context.sticky_s
            acd.timers.add(it.sticky_until, "sticky", it.id)
        self.queue_timers(it)
        acd._enqueue(it)

    def _context(self, q: Any, e: ev.InteractionArrived) -> context_rules.Applied:
        """The queue's routing-by-context rules on what the arrival says of the customer."""
        if not q.context.active:
            return context_rules.Applied()
        acd = self.acd
        ctx = e.context or {}
        last = ctx.get("last_agent") or acd.last_agent.get(str(ctx.get("customer") or ""))
        last = last or acd.last_agent.get(e.customer)
        members = {aid: acd.agents[aid].logged_in for aid in acd.router.members.get(q.name, {})}
        return context_rules.apply(q.context, ctx, last, members)

    def queue_timers(self, it: Interaction) -> None:
        """The home queue's timed rules, counted from arrival (a move keeps the age)."""
        acd = self.acd
        q, gen = acd.queues[it.queue], it.moves
        if q.overflow:
            acd.timers.add(it.arrived_at + q.overflow[0].after_s, "step", it.id, (gen, 0))
        if q.max_wait_s is not None:
            acd.timers.add(it.arrived_at + q.max_wait_s, "maxwait", it.id, gen)
        if q.announce_every_s:
            acd.timers.add(acd.now + q.announce_every_s, "announce", it.id, gen)

    def _on_ended(self, e: ev.InteractionEnded) -> None:
        acd = self.acd
        it = acd.interactions.get(e.interaction)
        if it is None:
            acd._ignore(e, "interaction not active")
            return
        if it.state is S.CONNECTED:
            self._finish(it, e.cause)
            return
        if it.state is S.WAITING:
            acd.router.unlist_waiting(it)
        during_offer = it.state is S.OFFERED
        for oid in sorted(it.offers):
            acd._withdraw(oid, "customer hung up")
        if it.state is S.DIALING:  # a callback the dispatcher gave up on
            self._release_callback_agent(it)
        it.state = S.ABANDONED
        acd._log(
            "interaction.abandoned",
            it.id,
            queue=it.queue,
            medium=it.medium,
            wait=acd.now - it.arrived_at,
            during_offer=during_offer,
            cause=e.cause,
        )
        del acd.interactions[it.id]

    def _finish(self, it: Interaction, cause: str) -> None:
        acd = self.acd
        a = acd.agents[it.agent] if it.agent else None  # None: a supervisor took it over
        talk = acd.now - (it.answered_at or acd.now)
        it.state = S.ENDED
        acd.aht[it.queue] = 0.9 * acd.aht[it.queue] + 0.1 * talk
        acd._log("interaction.ended", it.id, queue=it.queue, agent=it.agent, talk=talk, cause=cause)
        del acd.interactions[it.id]
        if a is not None:
            self.wrap(a, it, talk)

    def wrap(self, a: Agent, it: Interaction, talk: float) -> None:
        """The agent's part of an interaction is over: count it and start the wrap-up."""
        acd = self.acd
        medium = a.active.pop(it.id)
        a.talk_s += talk
        a.handled += 1
        wrap = a.cfg.wrap_up_s if a.cfg.wrap_up_s is not None else acd.queues[it.queue].wrap_up_s
        if wrap > 0:
            a.wrapups[it.id] = (medium, acd.now, acd.now + wrap)
            acd.timers.add(acd.now + wrap, "wrap", f"{a.id}\0{it.id}")
        else:
            a.idle_since = acd.now
        acd._touch(a)

    def _leave(self, it: Interaction, kind: str, target: str, why: Why) -> None:
        """The interaction leaves the ACD for voicemail, a flow, or just out."""
        acd = self.acd
        if it.state is S.WAITING:
            acd.router.unlist_waiting(it)
        for oid in sorted(it.offers):
            acd._withdraw(oid, f"overflow to {kind}")
        it.state = S.OVERFLOWED
        acd._out.append(Overflow(it.id, kind, target, why))
        acd._log(
            "interaction.overflowed",
            it.id,
            queue=it.queue,
            medium=it.medium,
            kind=kind,
            target=target,
            rule=why.rule,
            wait=acd.now - it.arrived_at,
        )
        acd.interactions.pop(it.id, None)

    def _on_breakout(self, e: ev.Breakout) -> None:
        acd = self.acd
        it = acd.interactions.get(e.interaction)
        action = acd.queues[it.queue].breakout.get(e.key) if it else None
        if it is None or it.state is not S.WAITING or action is None:
            acd._ignore(e, "not waiting, or no breakout on that key")
            return
        why = Why(it.queue, f"breakout key {e.key}", reason=action)
        if action == "callback" and it.customer:
            self._to_callback(it, it.customer, why)
        else:
            self._leave(it, "voicemail", acd.queues[it.queue].voicemail, why)

    # queued callbacks
    def _to_callback(self, it: Interaction, number: str, why: Why) -> None:
        acd = self.acd
        it.callback_number = number
        acd._log("callback.requested", it.id, queue=it.queue, number=number)
        acd._out.append(Overflow(it.id, "callback", number, why))

    def _on_callback_requested(self, e: ev.CallbackRequested) -> None:
        acd = self.acd
        it = acd.interactions.get(e.interaction)
        if it is None or it.state is not S.WAITING:
            acd._ignore(e, "only a waiting interaction can become a callback")
            return
        self._to_callback(it, e.number, Why(it.queue, "callback requested", reason="keeps place"))

    def dial_callback(self, it: Interaction, a: Agent, oid: str) -> None:
        acd = self.acd
        it.state = S.DIALING
        it.callback_attempts += 1
        acd._log("callback.dialing", it.id, agent=a.id, attempt=it.callback_attempts)
        acd._out.append(
            DialCallback(oid, a.id, it.id, it.callback_number or "", it.callback_attempts)
        )

    def _on_callback_connected(self, e: ev.CallbackConnected) -> None:
        acd = self.acd
        it = acd.interactions.get(e.interaction)
        if it is None or it.state is not S.DIALING or it.agent is None:
            acd._ignore(e, "no callback being dialed")
            return
        acd._connect(it, acd.agents[it.agent])

    def _release_callback_agent(self, it: Interaction) -> None:
        acd = self.acd
        if it.agent is None:  # a dialing callback always has its agent
            return
        a = acd.agents[it.agent]
        a.active.pop(it.id, None)
        a.idle_since = acd.now
        it.agent = None
        acd._touch(a)

    def _on_callback_failed(self, e: ev.CallbackFailed) -> None:
        acd = self.acd
        it = acd.interactions.get(e.interaction)
        if it is None or it.state is not S.DIALING:
            acd._ignore(e, "no callback being dialed")
            return
        self._release_callback_agent(it)
        # A number the outbound rules refuse (`refused_<rule>`) stays refused: no retry.
        permanent = e.cause.startswith("refused_")
        if not permanent and it.callback_attempts < acd.policy.callback_attempts:
            it.state = S.RETRY
            at = acd.now + acd.policy.callback_retry_s
            acd.timers.add(at, "retry", it.id)
            acd._log(
                "callback.failed", it.id, cause=e.cause, attempt=it.callback_attempts, retry_at=at
            )
        else:
            if permanent:
                acd._log(
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
    def _agent(self, e: Any) -> Agent | None:
        acd = self.acd
        a: Agent | None = acd.agents.get(e.agent)
        if a is None:
            acd._ignore(e, f"unknown agent {e.agent!r}")
        return a

    def _on_login(self, e: ev.AgentLogin) -> None:
        acd = self.acd
        if (a := self._agent(e)) is None:
            return
        a.logged_in, a.ready, a.reason, a.missed = True, e.ready, None if e.ready else "login", 0
        acd._log("agent.login", a.id, queues=list(a.cfg.queues))
        acd._touch(a)

    def _on_logout(self, e: ev.AgentLogout) -> None:
        acd = self.acd
        if (a := self._agent(e)) is None:
            return
        a.logged_in, a.ready, a.reason = False, False, None
        for oid in sorted(a.offers):
            it = acd.interactions[acd.offers[oid].interaction]
            acd._withdraw(oid, "agent logged out")
            if not it.offers and it.state is S.OFFERED:
                acd._log("interaction.requeued", it.id, queue=it.queue, cause="agent logged out")
                acd._enqueue(it)
        acd.supervision.unpin_agent(a)
        acd._log("agent.logout", a.id)
        acd._touch(a)

    def _on_ready(self, e: ev.AgentReady) -> None:
        acd = self.acd
        if (a := self._agent(e)) is None:
            return
        if not a.logged_in:
            acd._ignore(e, "agent is logged out")
            return
        a.ready, a.reason, a.missed = True, None, 0
        acd._touch(a)

    def _on_not_ready(self, e: ev.AgentNotReady) -> None:
        acd = self.acd
        if (a := self._agent(e)) is None:
            return
        a.ready, a.reason = False, e.reason
        acd._log("agent.not_ready", a.id, reason=e.reason)
        acd._touch(a)

    def _on_direct_start(self, e: ev.DirectCallStarted) -> None:
        acd = self.acd
        if (a := self._agent(e)) is not None:
            a.direct.add(e.call)
            acd._touch(a)

    def _on_direct_end(self, e: ev.AgentCallEnded) -> None:
        acd = self.acd
        if (a := self._agent(e)) is None:
            return
        if e.call not in a.direct:
            acd._ignore(e, "no such off-queue call")
            return
        a.direct.discard(e.call)
        a.idle_since = acd.now
        acd._touch(a)

    def _on_wrap_done(self, e: ev.WrapUpDone) -> None:
        acd = self.acd
        if (a := self._agent(e)) is None:
            return
        ids = [e.interaction] if e.interaction else sorted(a.wrapups)
        if not any(i in a.wrapups for i in ids):
            acd._ignore(e, "agent is not in wrap-up")
        for iid in ids:
            if iid in a.wrapups:
                self.end_wrap(a, iid)

    def end_wrap(self, a: Agent, iid: str) -> None:
        acd = self.acd
        _, start, _ = a.wrapups.pop(iid)
        a.wrap_s += acd.now - start
        a.idle_since = acd.now
        acd._log("agent.wrapup", a.id, interaction=iid, duration=acd.now - start)
        acd._touch(a)

    def _on_queue_paused(self, e: ev.QueuePaused) -> None:
        acd = self.acd
        if e.queue not in acd.queues:
            acd._ignore(e, f"unknown queue {e.queue!r}")
            return
        acd.router.paused.add(e.queue)
        acd._log("queue.paused", e.queue)

    def _on_queue_resumed(self, e: ev.QueueResumed) -> None:
        acd = self.acd
        if e.queue not in acd.router.paused:
            acd._ignore(e, "queue is not paused")
            return
        acd.router.paused.discard(e.queue)
        acd._log("queue.resumed", e.queue)
        for it in acd.router.waiting[e.queue].ordered(acd.now, acd.router.eff):
            if it.queue == e.queue:
                acd._pend_items.append(it)

    def _on_tick(self, e: ev.Tick) -> None:
        """Due timers already ran in `handle_many`; nothing else to do."""

    # timed rules
    def fire_interaction_timer(self, kind: str, it: Interaction, token: object) -> None:
        acd = self.acd
        q = acd.queues[it.queue]
        if kind == "step" and it.state in _LIVE:
            if it.step < len(q.overflow):  # a restart on edited rules may have fewer steps now
                self._apply_step(it, q.overflow[it.step])
        elif kind == "maxwait" and it.state in _LIVE and not it.callback_number:
            if it.state is S.OFFERED:  # let the offer run; look again shortly
                acd.timers.add(acd.now + 1.0, "maxwait", it.id, it.moves)
            else:
                self._leave(it, q.max_wait_action, q.max_wait_target, Why(q.name, "max_wait"))
        elif kind == "announce" and it.state in _LIVE and not it.callback_number:
            if it.state is S.WAITING:
                pos = acd.router.waiting[q.name].position(it, acd.now, acd.router.eff)
                acd._out.append(Announce(it.id, pos, self.expected_wait(q.name, pos)))
            acd.timers.add(acd.now + (q.announce_every_s or 0), "announce", it.id, it.moves)
        elif kind == "sticky" and it.state is S.WAITING:
            acd._pend_items.append(it)  # anyone may take it now
        elif kind == "retry" and it.state is S.RETRY:
            acd._log("interaction.requeued", it.id, queue=it.queue, cause="callback retry")
            acd._enqueue(it)

    def _apply_step(self, it: Interaction, rule: Any) -> None:
        acd = self.acd
        q = acd.queues[it.queue]
        it.step += 1
        if it.step < len(q.overflow):
            at = it.arrived_at + q.overflow[it.step].after_s
            acd.timers.add(at, "step", it.id, (it.moves, it.step))
        why = Why(q.name, f"overflow {rule.action} after {rule.after_s:g}s", reason=rule.target)
        acd._log("interaction.overflow_step", it.id, queue=q.name, action=rule.action, step=it.step)
        if rule.action in ("voicemail", "flow"):
            self._leave(it, rule.action, rule.target, why)
            return
        if rule.action == "callback":
            if it.customer and not it.callback_number:
                self._to_callback(it, it.customer, why)
            return
        waiting = it.state is S.WAITING
        if waiting:
            acd.router.unlist_waiting(it)
        if rule.action == "widen_skills":
            it.dropped = it.dropped | (frozenset(rule.skills) or frozenset({"*"}))
        elif rule.action == "lower_level":
            it.level_drop += rule.by
        elif rule.action == "add_queue" and rule.target not in it.listed:
            it.via = (*it.via, rule.target)
        if waiting:
            acd._enqueue(it)

    def expected_wait(self, queue: str, position: int) -> float:
        acd = self.acd
        staffed = sum(
            1
            for aid in acd.router.members[queue]
            if acd.agents[aid].logged_in and (acd.agents[aid].ready or acd.agents[aid].active)
        )
        return float(position * acd.aht[queue] / max(1, staffed))

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """The events this part handles, bound to it."""
        return {
            ev.InteractionArrived: self._on_arrived,
            ev.InteractionEnded: self._on_ended,
            ev.Breakout: self._on_breakout,
            ev.CallbackRequested: self._on_callback_requested,
            ev.CallbackConnected: self._on_callback_connected,
            ev.CallbackFailed: self._on_callback_failed,
            ev.AgentLogin: self._on_login,
            ev.AgentLogout: self._on_logout,
            ev.AgentReady: self._on_ready,
            ev.AgentNotReady: self._on_not_ready,
            ev.DirectCallStarted: self._on_direct_start,
            ev.AgentCallEnded: self._on_direct_end,
            ev.WrapUpDone: self._on_wrap_done,
            ev.Tick: self._on_tick,
            ev.QueuePaused: self._on_queue_paused,
            ev.QueueResumed: self._on_queue_resumed,
        }

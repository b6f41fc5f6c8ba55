"""AcdService: the side effects around the pure ACD core (`calldesk.acd.Acd`).

One worker greenlet owns the core. Everything else posts to its inbox: the IVR's hand-off
(`enqueue(request, leg_uuid=None, switch=None)`, which is also the IVR's `Handoff` protocol
with `leg_uuid` defaulting to `request.interaction_id`), agent and queue controls, results of
originates, and legs that ended (from the leg tracker). The worker feeds core events in batches
(`handle_many`), records each batch in `acd_inputs` for replay after a restart, appends the
core's journal records to the store journal, and carries out the decisions (see `effects.py`).
Every `snapshot_every_batches` batches or `snapshot_every_s` seconds it snapshots the core
into `acd_snapshots` and deletes the inputs that snapshot covers (`_compact`); recovery
restores the newest snapshot and replays only the inputs after it.
It sleeps until the core's next deadline (then feeds a `Tick`) or the next reconciliation.

Times come from the `clock` given (seconds); `settings.time_scale` converts them to real sleeps.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gevent
import gevent.event

from calldesk.acd import Acd, Ignored
from calldesk.acd import events as ev
from calldesk.acd.replay import replay
from calldesk.dispatch.effects import Effects
from calldesk.dispatch.legwatch import LegGone, LegWatch
from calldesk.dispatch.persist import DispatchStore, LegRef
from calldesk.dispatch.reconcile import reconcile
from calldesk.dispatch.settings import DispatchSettings
from calldesk.dispatch.voice import Voice
from calldesk.errors import CalldeskError
from calldesk.ivr.ports import EnqueueRequest
from calldesk.store import Store
from calldesk.telephony.switchboard import Switchboard

log = logging.getLogger(__name__)


@dataclass
class _Post:
    items: list[Any]
    done: gevent.event.AsyncResult | None = None


class AcdService(Effects, LegWatch):
    def __init__(
        self,
        acd: Acd,
        board: Switchboard,
        store: Store,
        clock: Callable[[], float],
        settings: DispatchSettings | None = None,
        on_overflow: Callable[[Any, LegRef | None], bool] | None = None,
        dial: Callable[..., Any] | None = None,
    ) -> None:
        self.acd, self.board, self.store, self.clock = acd, board, store, clock
        self.settings = settings or DispatchSettings()
        self.persist = DispatchStore(store)
        self.voice = Voice(board, self.settings)
        self.on_overflow = on_overflow  # (Overflow, caller leg) -> True if it took the leg
        # Callbacks through trunks: OutboundDialer.dial(number, vars, switch=, subject=) ->
        # a leg with .uuid/.switch, or raises with .cause. None: `callback_endpoint`.
        self.dial = dial
        self.init_maps()
        self.init_watch()
        self._inbox: list[_Post] = []
        self._wake = gevent.event.Event()
        self._batch = 0
        self._worker: gevent.Greenlet | None = None
        self._recovering = False
        self._reconcile_asked = False
        self._stopping = False
        self._suspects: set[str] = set()  # legs `show channels` lacked (see `_snapshot`)
        self._suspects_at: float | None = None
        self._snap_batch = 0  # batch of the newest snapshot
        self._snap_at = clock()
        self._compact_asked: list[gevent.event.AsyncResult] = []

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> AcdService:
        """Recover from the store (replay), watch legs, and start the worker."""
        self._recover()
        self.board.tracker.subscribe(self.on_leg)
        for conn in self.board.switches.values():
            conn.add_resync_listener(self._on_resync)
        self._worker = gevent.spawn(self._run)
        return self

    def stop(self) -> None:
        self._stopping = True
        self.persist.flush()
        self._wake.set()
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    # -- inputs -------------------------------------------------------------------------
    def post(self, *items: Any, wait: float | None = None) -> list[str]:
        """Hand core events (or internal items) to the worker. With `wait`, block until they were
        handled and return the reasons the core ignored any of them."""
        done = gevent.event.AsyncResult() if wait is not None else None
        self._inbox.append(_Post(list(items), done))
        self._wake.set()
        return done.get(timeout=wait) if done is not None else []

    def enqueue(
        self, request: EnqueueRequest, leg_uuid: str | None = None, switch: str | None = None
    ) -> None:
        """The IVR hands an interaction over. A voice caller's leg (default: the interaction
        id, which the IVR sets to the leg uuid) is mapped, hears MOH, and waits."""
        iid = request.interaction_id
        if self.settings.trace:
            self.settings.trace("enqueued", iid)
        if request.medium == "voice":
            leg = leg_uuid or iid
            sw = switch or self.board.tracker.switch_of(leg) or ""
            ref = LegRef(leg, sw, self.clock())
            self.map_caller(iid, ref)  # MOH starts once it is known to wait (effects.py)
        self.post(*request.acd_events())

    def login(self, agent: str, ready: bool = False, wait: float | None = 5.0) -> list[str]:
        return self.post(ev.AgentLogin(agent, ready), wait=wait)

    def logout(self, agent: str, wait: float | None = 5.0) -> list[str]:
        return self.post(ev.AgentLogout(agent), wait=wait)

    def ready(self, agent: str, wait: float | None = 5.0) -> list[str]:
        return self.post(ev.AgentReady(agent), wait=wait)

    def not_ready(self, agent: str, reason: str = "break", wait: float | None = 5.0) -> list[str]:
        return self.post(ev.AgentNotReady(agent, reason), wait=wait)

    def pause(self, queue: str, wait: float | None = 5.0) -> list[str]:
        return self.post(ev.QueuePaused(queue), wait=wait)

    def resume(self, queue: str, wait: float | None = 5.0) -> list[str]:
        return self.post(ev.QueueResumed(queue), wait=wait)

    def compact_now(self, wait: float | None = 5.0) -> dict[str, int] | None:
        """Snapshot the core and delete the inputs it covers at the worker's next step. With
        `wait`, return {"batch": ..., "deleted": ...} once done."""
        done = gevent.event.AsyncResult()
        self._compact_asked.append(done)
        self._wake.set()
        return done.get(timeout=wait) if wait is not None else None

    def reconcile_now(self) -> None:
        """Reconcile at the worker's next step (re-reading the switches' legs first)."""
        self._reconcile_asked = True
        self._wake.set()

    # -- the worker ---------------------------------------------------------------------
    def _sleep_for(self, next_reconcile: float) -> float:
        now = self.clock()
        until = min(next_reconcile, self._suspects_at or next_reconcile)
        deadline = self.acd.next_deadline()
        if deadline is not None and not self._recovering:
            until = min(until, deadline)
        return max(0.0, until - now) / self.settings.time_scale

    def _run(self) -> None:
        next_reconcile = self.clock() + self.settings.reconcile_every_s
        while not self._stopping:
            if not self._inbox and not self._reconcile_asked and not self._compact_asked:
                self._wake.wait(self._sleep_for(next_reconcile))
            self._wake.clear()
            try:
                if self._recovering:
                    if not any(c.ready for c in self.board.switches.values()):
                        self._wake.wait(0.2)
                        continue
                    self._reconcile(recovery=True)
                    self._recovering = False
                if self._inbox:
                    self._drain()
                if self._reconcile_asked or self.clock() >= next_reconcile:
                    self._reconcile_asked = False
                    next_reconcile = self.clock() + self.settings.reconcile_every_s
                    self._reconcile()
                    if self.settings.resync_on_reconcile:
                        gevent.spawn(self._snapshot)
                if self._suspects_at is not None and self.clock() >= self._suspects_at:
                    self._reconcile(absent=self._take_suspects())
                deadline = self.acd.next_deadline()
                if deadline is not None and self.clock() >= deadline:
                    self.feed([ev.Tick()])
                self.persist.flush()
                if not self._recovering and (self._compact_asked or self._compact_due()):
                    self._compact()
            except Exception:
                log.exception("ACD worker step failed; carrying on")

    def _drain(self) -> None:
        posts, self._inbox = self._inbox, []
        batch: list[ev.Event] = []
        ignored: dict[int, str] = {}
        for post in posts:
            for item in post.items:
                if isinstance(item, LegGone):  # resolve against the state as of now
                    if item.uuid not in self.by_leg and item.uuid not in self.direct_of:
                        continue  # already resolved (HANGUP, HANGUP_COMPLETE, DESTROY)
                    if batch:
                        ignored.update(self.feed(batch))
                        batch = []
                    batch.extend(self.leg_gone(item))
                else:
                    batch.append(item)
        if batch:
            ignored.update(self.feed(batch))
        for post in posts:
            if post.done is not None:
                post.done.set([ignored[id(i)] for i in post.items if id(i) in ignored])

    def feed(self, events: Sequence[ev.Event], at: float | None = None) -> dict[int, str]:
        """One batch into the core: recorded, handled, journaled, carried out."""
        now = self.clock() if at is None else at
        self._batch += 1
        self.persist.log_inputs(events, now, self._batch)
        decisions = self.acd.handle_many(events, now)
        records = self.acd.drain_journal()
        if records:
            self.store.journal.append_many([(r.kind, r.subject, r.data, r.at) for r in records])
        self.carry_out(events, decisions)
        return {id(d.event): d.reason for d in decisions if isinstance(d, Ignored)}

    # -- snapshots and compaction ---------------------------------------------------------
    def _compact_due(self) -> bool:
        since = self._batch - self._snap_batch
        every_n, every_s = self.settings.snapshot_every_batches, self.settings.snapshot_every_s
        if since <= 0:
            return False
        if every_n and since >= every_n:
            return True
        return bool(every_s) and self.clock() - self._snap_at >= every_s

    def _compact(self) -> None:
        """Between batches (the worker owns the core): snapshot it as of the last batch, and
        drop the inputs up to that batch in the same transaction."""
        asked, self._compact_asked = self._compact_asked, []
        batch = self._batch
        try:
            deleted = self.persist.save_snapshot(self.acd.snapshot(), batch, self.acd.now)
        except Exception as exc:
            for done in asked:
                done.set_exception(exc)
            raise
        self._snap_batch, self._snap_at = batch, self.clock()
        log.info("ACD snapshot at batch %d; %d recorded inputs deleted", batch, deleted)
        for done in asked:
            done.set({"batch": batch, "deleted": deleted})

    # -- reconciliation and recovery -------------------------------------------------------
    def _on_resync(self, switch: str, rows: list[dict]) -> None:
        self.reconcile_now()

    def _snapshot(self) -> None:
        """Read `show channels` on every ready switch (without touching the tracker) and note
        the mapped legs it lacks. They are judged `settle_s` later, if no event about them has
        come meanwhile: a leg can vanish without an event (a missed event, a confused switch),
        but a snapshot races the events in flight, so absence alone proves nothing yet."""
        live: set[str] = set()
        asked_at = self.clock()
        for conn in list(self.board.switches.values()):
            if not conn.ready:
                return
            try:
                rows = json.loads(conn.api("show", "channels as json") or "{}").get("rows") or []
            except (CalldeskError, ValueError, AttributeError) as exc:
                log.warning("reconcile: show channels on %s failed: %s", conn.name, exc)
                return
            live.update(r.get("uuid", "") for r in rows)
        old = asked_at - self.settings.grace_s
        refs = [*self.callers.values(), *self.agent_legs.values(), *self.customers.values()]
        suspects = {r.uuid for r in refs if r.uuid not in live and r.at < old}
        suspects |= {u for u in self.direct_of if u not in live}
        if suspects:
            self._suspects |= suspects
            self._suspects_at = self.clock() + self.settings.settle_s
            self._wake.set()

    def _take_suspects(self) -> set[str]:
        """The suspects that no event has cleared since the snapshot."""
        out = {u for u in self._suspects if u in self.by_leg or u in self.direct_of}
        self._suspects, self._suspects_at = set(), None
        return out

    def _reconcile(self, recovery: bool = False, absent: set[str] | None = None) -> None:
        repairs = reconcile(self, recovery=recovery, absent=absent or set())
        if not repairs:
            return
        now = self.acd.now if recovery else self.clock()
        for r in repairs:
            log.warning("ACD repair on %s: %s", r.subject, r.what)
            self.store.journal.append("acd.repair", r.subject, {"what": r.what, **r.data}, now)
            if r.kill is not None:
                gevent.spawn(self.voice.kill, r.kill, "NORMAL_CLEARING")
            if r.bridge is not None:
                gevent.spawn(self.voice.bridge, r.bridge[0], r.bridge[1].uuid)
        events = [r.event for r in repairs if r.event is not None]
        if events:
            # After a restart, facts found on the switch are dated at the last recorded input,
            # so downtime alone does not expire the lease of an offer the agent did answer.
            self.feed(events, at=now)

    def _recover(self) -> None:
        snap = self.persist.latest_snapshot()
        after = snap[0] if snap else 0
        records = list(self.persist.inputs(after=after))
        if not records and snap is None:
            return
        if snap is not None:
            self.acd.restore(snap[1])  # refuses queues/agents the configuration lacks
            self._snap_batch = after
        replay(self.acd, records)
        self.acd.drain_journal()  # already in the store journal
        self._batch = self.persist.last_batch()
        self.load_maps(self.persist.legs())
        self._recovering = True
        a = self.acd
        self.store.journal.append(
            "acd.recovered",
            "acd",
            {"snapshot_batch": after, "inputs": len(records),
             "interactions": len(a.interactions), "offers": len(a.offers),
             "agents_logged_in": sum(1 for x in a.agents.values() if x.logged_in)},
            a.now,
        )  # fmt: skip
        log.info("ACD recovered from the snapshot of batch %d and %d inputs", after, len(records))

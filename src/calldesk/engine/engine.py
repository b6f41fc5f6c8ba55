"""The engine: the inbox, batches into the pure ACD core, persistence, replay and snapshots.

One worker greenlet owns the core. Everything else posts to its inbox: hand-offs
(`enqueue(request)`), agent and queue controls, results that medium adapters report, and their
own items (a voice leg that ended) which the adapter resolves against the state as of now. The
worker feeds core events in batches (`handle_many`), records each batch in `acd_inputs` for
replay after a restart, appends the core's journal records to the store journal (the notifier
publishes them), and hands the decisions to every medium adapter. After each batch the core's
read-only view (`view`) is what adapters, services and read models read.
Every `snapshot_every_batches` batches or `snapshot_every_s` seconds it snapshots the core into
`acd_snapshots` and deletes the inputs that snapshot covers; recovery restores the newest
snapshot and replays only the inputs after it. It sleeps until the core's next deadline (then
feeds a `Tick`) or the next reconciliation. Times come from `clock` (seconds);
`settings.time_scale` converts them to real sleeps.
Write ahead: one worker step's batches are committed together (with the store's deferred
writes) before the worker yields, so before any greenlet an adapter spawned to carry a decision
out runs; journal rows are published and posts answered after that commit. Under load a step
starts `settings.step_every_s` after the previous one at the soonest, sharing its commit.
"""

from __future__ import annotations

import functools
import logging
import time
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import gevent
import gevent.event

from calldesk.acd import Acd, Ignored
from calldesk.acd import events as ev
from calldesk.acd.replay import replay
from calldesk.engine.adapter import MediumAdapter, ReconcileAbsent, Repair
from calldesk.engine.persist import EngineStore
from calldesk.engine.screenpop import Enrich, ScreenPops
from calldesk.engine.settings import DispatchSettings
from calldesk.interactions import EnqueueRequest
from calldesk.store import Store, transaction
from calldesk.store.tx import after_commit, durable

log = logging.getLogger(__name__)
_CORE_EVENTS = typing.get_args(ev.Event)


@dataclass
class _Post:
    items: list[Any]
    done: gevent.event.AsyncResult[list[str]] | None = None


class Engine:
    def __init__(
        self,
        acd: Acd,
        store: Store,
        clock: Callable[[], float],
        settings: DispatchSettings | None = None,
        enrich_pop: Enrich | None = None,
    ) -> None:
        self.acd, self.store, self.clock = acd, store, clock
        self.settings = settings or DispatchSettings()
        self.persist = EngineStore(store)
        self.view = acd.view()
        self.pops = ScreenPops(self.view, store.journal, self.persist, enrich_pop)
        self.adapters: dict[str, MediumAdapter] = {}
        self._inbox: list[_Post] = []
        self._wake = gevent.event.Event()
        self._batch = 0
        self._worker: gevent.Greenlet[[], None] | None = None
        self._recovering = False
        self._reconcile_asked = False
        self._reconcile_why = "reconcile"
        # Interactions a repair ended because their customer was gone: a hand-off of one of them
        # still in the inbox (a flow resumed after a restart re-runs its `enqueue`) is stale.
        self._repaired: dict[str, None] = {}
        self._stopping = False
        self._snap_batch = 0  # batch of the newest snapshot
        self._snap_at = clock()
        self._compact_asked: list[gevent.event.AsyncResult[dict[str, int]]] = []

    def add_adapter(self, medium: str, adapter: MediumAdapter) -> None:
        self.adapters[medium] = adapter

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Engine:
        """Recover from the store (replay), then start the worker."""
        self._recover()
        self._worker = gevent.spawn(self._run)
        return self

    def stop(self) -> None:
        self._stopping = True
        self.persist.flush()
        self._commit()
        self._wake.set()
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    # -- inputs -------------------------------------------------------------------------
    def post(self, *items: Any, wait: float | None = None) -> list[str]:
        """Hand core events (or adapter items) to the worker. With `wait`, block until they were
        handled and return the reasons the core ignored any of them."""
        done: gevent.event.AsyncResult[list[str]] | None = (
            gevent.event.AsyncResult() if wait is not None else None
        )
        self._inbox.append(_Post(list(items), done))
        self._wake.set()
        if done is None:
            return []
        # the worker always sets a list (the reasons), never a bare set()
        return cast(list[str], done.get(timeout=wait))

    def enqueue(self, request: EnqueueRequest) -> None:
        """A flow (or a medium adapter) hands an interaction over: its adapter learns where the
        customer is (a voice caller's leg hears MOH and waits), then the core hears of it."""
        if self.settings.trace:
            self.settings.trace("enqueued", request.interaction_id)
        adapter = self.adapters.get(request.medium)
        if adapter is not None:
            adapter.on_enqueue(request)
        # Durable: back once the core has it in `acd_inputs` (a flow that journals `enqueued`
        # before a crash that kept the arrival only in memory left its caller unowned: found by
        # the restart chaos test). A slow worker is waited for at most `enqueue_wait_s`; the
        # worker itself (a hand-off from an adapter's decision) does not wait on itself.
        wait = self.settings.enqueue_wait_s
        if wait and self._worker is not None and gevent.getcurrent() is not self._worker:
            try:
                self.post(*request.acd_events(), wait=wait)
            except gevent.Timeout:
                log.warning("enqueue of %s: the engine took over %.1f s; left in its inbox",
                            request.interaction_id, wait)
            return
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
        done: gevent.event.AsyncResult[dict[str, int]] = gevent.event.AsyncResult()
        self._compact_asked.append(done)
        self._wake.set()
        return done.get(timeout=wait) if wait is not None else None

    def reconcile_now(self, why: str = "reconcile") -> None:
        """Reconcile at the worker's next step (`why`: how its repairs are dated, e.g.
        `resync` after a switch reconnected)."""
        self._reconcile_asked = True
        if why != "reconcile":
            self._reconcile_why = why
        self._wake.set()

    # -- the worker ---------------------------------------------------------------------
    def _sleep_for(self, next_reconcile: float) -> float:
        until = next_reconcile
        deadline = self.acd.next_deadline()
        if deadline is not None and not self._recovering:
            until = min(until, deadline)
        return max(0.0, until - self.clock()) / self.settings.time_scale

    def _run(self) -> None:
        next_reconcile = self.clock() + self.settings.reconcile_every_s
        stepped = -1e9  # monotonic time of the last step
        while not self._stopping:
            if not self._inbox and not self._reconcile_asked and not self._compact_asked:
                self._wake.wait(self._sleep_for(next_reconcile))
            rest = stepped + self.settings.step_every_s - time.monotonic()
            if rest > 0:  # busy: let more work gather for this step's one commit
                gevent.sleep(rest)
            stepped = time.monotonic()
            self._wake.clear()
            try:
                if self._recovering:
                    if not all(a.ready() for a in self.adapters.values()):
                        self._commit()
                        self._wake.wait(0.2)
                        continue
                    self._reconcile(recovery=True)
                    self._recovering = False
                if self._inbox:
                    self._drain()
                if self._reconcile_asked or self.clock() >= next_reconcile:
                    why, self._reconcile_why = self._reconcile_why, "reconcile"
                    self._reconcile_asked = False
                    next_reconcile = self.clock() + self.settings.reconcile_every_s
                    self._reconcile(why=why)
                    self._commit()
                    for adapter in self.adapters.values():
                        adapter.after_reconcile()
                deadline = self.acd.next_deadline()
                if deadline is not None and self.clock() >= deadline:
                    self.feed([ev.Tick()])
                self.persist.flush()
                if not self._recovering and (self._compact_asked or self._compact_due()):
                    self._compact()
            except Exception:
                log.exception("engine step failed; carrying on")
            self._commit()  # before the worker yields: see `feed`
            if self._inbox:  # more already waits: let API requests and the reader run first
                gevent.sleep(0)

    def _drain(self) -> None:
        posts, self._inbox = self._inbox, []
        batch: list[ev.Event] = []
        ignored: dict[int, str] = {}
        for post in posts:
            for item in post.items:
                if isinstance(item, ReconcileAbsent):
                    if batch:
                        ignored.update(self.feed(batch))
                        batch = []
                    self._reconcile(absent=item.absent)
                    continue
                if isinstance(item, ev.InteractionArrived) and item.interaction in self._repaired:
                    log.warning("hand-off of %s dropped: a repair ended it, its customer is gone",
                                item.interaction)
                    ignored[id(item)] = "interaction ended by a repair: its customer is gone"
                    continue
                owner = self._owner(item)
                if owner is None:
                    batch.append(item)
                    continue
                if batch:  # resolve against the state as of now: what came before goes first
                    ignored.update(self.feed(batch))
                    batch = []
                batch.extend(owner.resolve(item) or [])
        if batch:
            ignored.update(self.feed(batch))
        for post in posts:
            if post.done is not None:  # answered once what they asked for is committed
                reasons = [ignored[id(i)] for i in post.items if id(i) in ignored]
                after_commit(self.store.db.conn, functools.partial(post.done.set, reasons))

    def _owner(self, item: Any) -> MediumAdapter | None:
        """The adapter whose own inbox item this is (e.g. a voice leg that ended), if any."""
        if isinstance(item, _CORE_EVENTS):
            return None
        return next((a for a in self.adapters.values() if a.owns(item)), None)

    def feed(self, events: Sequence[ev.Event], at: float | None = None, *,
             settle_first: bool = False, mark: dict[str, Any] | None = None) -> dict[int, str]:
        """One batch into the core: recorded, handled, journaled, carried out. `settle_first`:
        the events go before the timers due by `at` (see `Acd.handle_many`); `mark` is added to
        the data of every journal entry the batch makes (e.g. how a repair was dated)."""
        now = self.clock() if at is None else at
        self._batch += 1
        offered = {e.offer: self.view.offer(e.offer) for e in events
                   if isinstance(e, ev.OfferAccepted)}  # gone from the core once accepted
        # Inputs and journal rows are written together (a crash keeps both or neither) and
        # committed by the step (`_commit`) before the worker yields, so before anything an
        # adapter's `carry_out` spawned talks to a switch (write ahead, see the module doc).
        failed: Exception | None = None
        decisions: list[Any] = []
        journal, extra = self.store.journal, mark or {}
        with transaction(self.store.db.conn, defer=True):
            self.persist.flush(self.persist.input_rows(events, now, self._batch, settle_first))
            try:
                decisions = self.acd.handle_many(events, now, settle_first)
            except Exception as exc:  # the inputs stay recorded, as before
                failed = exc
            records = self.acd.drain_journal()
            written = journal.write_many(
                [(r.kind, r.subject, {**r.data, **extra}, r.at) for r in records])
            if failed is None:  # screen pops of the offers accepted, in the same commit
                written += journal.write_many(self._pops(events, decisions, offered))
            self.persist.flush()  # queued leg-map and pop rows, in the same commit
        journal.publish(written)
        if gevent.getcurrent() is not self._worker:
            self._commit()  # no step of the worker's commits it: write ahead now
        if failed is not None:
            raise failed
        for adapter in self.adapters.values():
            adapter.carry_out(events, decisions)
        return {id(d.event): d.reason for d in decisions if isinstance(d, Ignored)}

    def _pops(self, events: Sequence[ev.Event], decisions: list[Any],
              offered: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], float]]:
        ignored = {id(d.event) for d in decisions if isinstance(d, Ignored)}
        rows = []
        for e in events:
            offer = offered.get(e.offer) if isinstance(e, ev.OfferAccepted) else None
            if offer is None or id(e) in ignored:
                continue
            try:
                row = self.pops.accepted(offer, self.acd.now)
            except Exception:  # a pop never costs the batch its commit
                log.exception("screen pop of offer %s failed", offer.id)
                continue
            if row is not None:
                rows.append(row)
        return rows

    def _commit(self) -> None:
        """Commit the step's batches (and every deferred write before them), then publish
        their journal rows and answer their posts (store.tx.after_commit)."""
        durable(self.store.db.conn)

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
    def _reconcile(self, recovery: bool = False, absent: frozenset[str] = frozenset(),
                   why: str = "reconcile") -> None:
        for adapter in self.adapters.values():
            self._commit()  # a check may ask a switch: nothing uncommitted may be carried out
            self._repair(adapter, adapter.reconcile(recovery, absent), recovery,
                         "resync" if recovery else why)

    def _repair(self, adapter: MediumAdapter, repairs: list[Repair], recovery: bool,
                why: str = "reconcile") -> None:
        """Repairs are dated when the check found them (`dated_by`: `resync` after a (re)connect
        or a restart, `reconcile` for the periodic check), never by the last input before a
        crash; a hangup time the switch did report (`Repair.at`) is kept as `switch_at` (dated
        by it, the batch would put every interaction its routing touches back in time). After a
        restart the facts go before the timers that fell due while no one watched
        (`settle_first`): downtime alone neither expires the lease of an offer the agent did
        answer nor keeps an agent whose call is gone busy."""
        if not repairs:
            return
        now = self.clock()
        for r in repairs:
            if isinstance(r.event, ev.InteractionEnded):
                self._repaired[r.event.interaction] = None
                if len(self._repaired) > 10_000:
                    self._repaired.pop(next(iter(self._repaired)))
            log.warning("ACD repair on %s: %s", r.subject, r.what)
            data = {"what": r.what, **r.data, "dated_by": why}
            if r.at is not None:
                data["switch_at"] = r.at
            self.store.journal.append("acd.repair", r.subject, data, max(now, self.clock()))
            adapter.apply(r)
        events = [r.event for r in repairs if r.event is not None]
        if events:
            self.feed(events, at=max(now, self.clock()), settle_first=recovery,
                      mark={"dated_by": why})

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
        legs = self.persist.legs()
        for adapter in self.adapters.values():
            adapter.recover(legs)
        self._recovering = True
        v = self.view
        self.store.journal.append(
            "acd.recovered",
            "acd",
            {
                "snapshot_batch": after,
                "inputs": len(records),
                "interactions": sum(1 for _ in v.interactions()),
                "offers": sum(1 for _ in v.offers()),
                "agents_logged_in": sum(1 for a in v.agents() if a.logged_in),
                "state_at": v.now,  # the last input before the restart
            },
            max(self.clock(), v.now),
        )
        log.info("ACD recovered from the snapshot of batch %d and %d inputs", after, len(records))

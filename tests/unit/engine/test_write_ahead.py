"""The engine's write ahead under group commit (engine.engine, store.tx): the batches of one
worker step share one COMMIT, and nothing a batch decided reaches the outside (a greenlet of
an adapter, a journal subscriber, an API waiting on `post`) before that COMMIT."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent
import pytest

from calldesk.acd import Acd, Offer
from calldesk.acd import events as ev
from calldesk.acd.config import AgentConfig, QueueConfig
from calldesk.engine import DispatchSettings, Engine
from calldesk.store import Store
from calldesk.store.tx import GroupCommit


@dataclass(frozen=True)
class Arrive:
    """An adapter's own inbox item: resolved into an arrival against the state of the moment,
    so the batch before it is fed first (a step of several batches)."""

    interaction: str


class Outside:
    """An adapter whose I/O runs in greenlets of its own, as the voice adapter's does: each
    records what another process would see of the store when it runs."""

    def __init__(self, path: Path) -> None:
        self.reader = sqlite3.connect(path, isolation_level=None)
        self.saw: list[tuple[str, int, int]] = []  # (offer, inputs committed, offered rows)
        self.greenlets: list[gevent.Greenlet] = []
        self.on_offer: Any = None  # called in carry_out (no I/O), e.g. to queue a leg map

    def committed(self) -> tuple[int, int]:
        inputs = self.reader.execute("SELECT count(*) FROM acd_inputs").fetchone()[0]
        offered = self.reader.execute(
            "SELECT count(*) FROM journal WHERE kind = 'interaction.offered'").fetchone()[0]
        return inputs, offered

    def carry_out(self, events: Sequence[ev.Event], decisions: list[Any]) -> None:
        for d in decisions:
            if isinstance(d, Offer):  # the originate
                if self.on_offer is not None:
                    self.on_offer(d)
                self.greenlets.append(gevent.spawn(lambda o=d.id: self.saw.append(
                    (o, *self.committed()))))

    def on_enqueue(self, request: Any) -> None: ...
    def owns(self, item: Any) -> bool: return isinstance(item, Arrive)
    def resolve(self, item: Any) -> list[ev.Event]: return [ev.InteractionArrived(item.interaction, "q")]
    def recover(self, legs: Any) -> None: ...
    def ready(self) -> bool: return True
    def reconcile(self, recovery: bool, absent: frozenset[str]) -> list[Any]: return []
    def apply(self, repair: Any) -> None: ...
    def after_reconcile(self) -> None: ...


@pytest.fixture
def rig(tmp_path: Path, request):
    step_every_s = getattr(request, "param", 0.0)
    store = Store.open(tmp_path / "e.sqlite")
    # The group's own commit would come only after a minute: every commit here is the engine's.
    group = GroupCommit(store.db.conn, gevent.spawn, later=gevent.spawn_later, linger_s=60.0)
    agents = [AgentConfig(f"a{i}", f"user/{1000 + i}", queues=("q",)) for i in range(3)]
    acd = Acd([QueueConfig("q")], agents)
    engine = Engine(acd, store, lambda: 100.0, DispatchSettings(step_every_s=step_every_s))
    outside = Outside(tmp_path / "e.sqlite")
    engine.add_adapter("voice", outside)
    engine.start()
    yield store, group, engine, outside
    engine.stop()
    group.close()
    outside.reader.close()
    store.close()


def test_an_offer_leaves_only_once_its_arrival_is_committed(rig) -> None:
    store, group, engine, outside = rig
    for a in ("a0", "a1", "a2"):
        engine.login(a, ready=True)
    seen: list[int] = []
    store.journal.notifier = type("N", (), {"publish": lambda self, es: seen.extend(
        outside.committed()[1] for e in es if e.kind == "interaction.offered")})()
    assert engine.post(ev.InteractionArrived("i-1", "q"), wait=5) == []
    # `post` came back: the arrival is durable for another process
    assert outside.committed()[0] >= 4
    gevent.joinall(outside.greenlets, timeout=5)
    assert [s[1:] for s in outside.saw] == [(4, 1)]  # the originate saw it all committed
    assert seen == [1]  # and the subscriber was told of the offer once it was committed


def test_the_batches_of_one_step_share_one_commit(rig) -> None:
    store, group, engine, outside = rig
    for a in ("a0", "a1", "a2"):
        engine.login(a, ready=True)
    before, batches = group.commits, engine._batch
    # three batches: each adapter item is resolved once what came before it was fed
    engine.post(ev.InteractionArrived("i-0", "q"), Arrive("i-1"), Arrive("i-2"), wait=5)
    assert engine._batch - batches == 3
    assert group.commits - before == 1
    gevent.joinall(outside.greenlets, timeout=5)
    # each originate ran after the step's commit: it saw every input of the step
    assert sorted(inputs for _, inputs, _ in outside.saw) == [6, 6, 6]


@pytest.mark.parametrize("rig", [0.5], indirect=True)
def test_under_load_posts_that_come_in_while_a_step_waits_share_its_commit(rig) -> None:
    store, group, engine, outside = rig
    engine.login("a0", ready=True)  # a step: the next one starts 0.5 s after it at the soonest
    before = group.commits
    for i in range(5):  # one at a time, each in a tick of its own
        engine.post(ev.InteractionArrived(f"i-{i}", "q"))
        gevent.sleep(0.002)
    assert engine.post(ev.AgentLogin("a1", True), wait=5) == []
    assert group.commits - before == 1  # one step for all six
    gevent.joinall(outside.greenlets, timeout=5)
    assert outside.committed()[0] == 7 and len(outside.saw) == 2


def test_leg_maps_queued_while_carrying_out_join_the_step_commit(rig) -> None:
    """A leg map queued while a batch is carried out (the voice adapter maps an offer's leg)
    is written at the end of the step and committed by the step's one COMMIT (it had one of
    its own before)."""
    from calldesk.telephony.legs import LegRef

    store, group, engine, outside = rig
    engine.login("a0", ready=True)
    outside.on_offer = lambda d: engine.persist.map_leg(
        f"offer:{d.id}", LegRef("leg-a0", "fs1", 1.0), "agent")
    before = group.commits
    assert engine.post(ev.InteractionArrived("i-0", "q"), wait=5) == []
    assert group.commits - before == 1
    legs = outside.reader.execute("SELECT leg, role FROM acd_legs").fetchall()
    assert legs == [("leg-a0", "agent")]

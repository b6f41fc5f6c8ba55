"""A run its switch link stopped is resumed once the link is ready again, not at once: retried at
once, a run that failed on a link not ready failed its retries and its fallback too, and stayed
active with nobody to resume it (a loss seen once in the restart chaos test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gevent
import gevent.event
from tests.unit.ivr.test_service_open import FLOW, Park

from calldesk.errors import ESLError
from calldesk.interactions import Interactions
from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.persist import RunStore
from calldesk.ivr.runner import Runner
from calldesk.ivr.service import IvrService
from calldesk.store import Store


class Link:
    """The switch link: not ready until the test says so."""

    def __init__(self) -> None:
        self.up = gevent.event.Event()
        self.waits = 0

    def wait_ready(self, timeout: float | None = None) -> bool:
        self.waits += 1
        return self.up.wait(timeout)


class DroppedThenFine:
    """The first prompt fails (the link dropped); the next one plays and holds."""

    medium = "voice"
    gone = False

    def __init__(self) -> None:
        self.tries = 0
        self.playing = gevent.event.Event()

    def play(self, action: Any) -> Any:
        self.tries += 1
        if self.tries == 1:
            raise ESLError("switch sw: not connected")
        self.playing.set()
        gevent.sleep(3600)


def test_a_stopped_run_waits_for_its_link_then_resumes(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "hello.yaml").write_text(FLOW)
    store = Store.open(tmp_path / "calldesk.sqlite")
    runs = RunStore(store.db, store.journal, clock=lambda: 1000.0)
    library = FlowLibrary(flows, archive=runs)
    assert library.poll() == []
    runner = Runner(library, lambda: None, ScriptedHttp({}), MemoryContexts(),
                    CollectingHandoff(), runs)
    link, port = Link(), DroppedThenFine()
    service = IvrService(link, library, runner, runs, wrap_port=lambda _leg: port,
                         interactions=Interactions(store.db), clock=lambda: 1000.0)
    try:
        service.on_park(None, Park("leg-1"))
        gevent.sleep(0.2)
        assert port.tries == 1 and link.waits == 1  # stopped; the retry waits for the link
        assert "leg-1" in service.active and runs.status_at("leg-1") == "active"
        link.up.set()
        assert port.playing.wait(5)  # resumed at its step once the link was ready
        assert port.tries == 2 and runs.status_at("leg-1") == "active"
    finally:
        for g in list(service.active.values()):
            g.kill()
        store.db.conn.close()

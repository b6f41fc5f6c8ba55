"""Builds the IVR for the composition root: run store, flow library (with its watcher), runner
and one IvrService per switch. The composition root subscribes each service's leg router and
resync listener, and registers `IvrSystem.on_park` as the intake's `ivr` owner."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import gevent

from calldesk.interactions import Handoff, Interactions
from calldesk.ivr.dryrun import MemoryContexts
from calldesk.ivr.fallback import Fallback, parse_fallback
from calldesk.ivr.http import UrllibHttpClient
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.persist import RunStore
from calldesk.ivr.ports import ContextStore
from calldesk.ivr.runner import Runner
from calldesk.ivr.service import IvrService
from calldesk.ivr.validate import Checks
from calldesk.ivr.voice import VoiceSettings

log = logging.getLogger(__name__)


@dataclass
class IvrSystem:
    library: FlowLibrary
    runs: RunStore
    runner: Runner
    services: dict[str, IvrService]
    reload_interval: float
    _watcher: gevent.Greenlet | None = field(default=None, repr=False)
    _stop: bool = False

    def start(self) -> None:
        refused = self.library.poll()
        log.info("IVR: %d flows loaded, %d errors", len(self.library.names()), len(refused))
        self._stop = False
        self._watcher = gevent.spawn(
            self.library.watch, lambda: self._stop, self.reload_interval, gevent.sleep
        )

    def stop(self) -> None:
        self._stop = True
        if self._watcher is not None:
            self._watcher.kill(block=False)


def parks_by_switch(services: Mapping[str, IvrService]) -> Callable[[Any, Any], None]:
    """The intake's `ivr` owner for legs of every switch: each goes to its switch's service."""

    def on_park(leg: Any, event: Any) -> None:
        service = services.get(leg.switch)
        if service is not None:
            service.on_park(leg, event)

    return on_park


def build_ivr(
    config: Any,
    store: Any,
    board: Any,
    handoff: Handoff,
    contexts: ContextStore | None = None,
    recorder: Any | None = None,
    clock: Callable[[], float] = time.time,
    dialer: Any | None = None,
    interactions: Interactions | None = None,
) -> IvrSystem:
    """`recorder` (calldesk.recording's Recorder) masks recordings during PCI collects;
    `dialer` (calldesk.trunks' OutboundDialer) carries external transfers through trunks."""
    flows_dir = config.path("flows.dir")
    prompts = config.path("flows.prompts_dir")
    if not prompts.is_dir():
        prompts = flows_dir / "prompts"
    queues = config["queues"]
    known = (
        frozenset(q["name"] if isinstance(q, dict) else str(q) for q in queues) if queues else None
    )
    runs = RunStore(store.db, store.journal, clock=clock)
    library = FlowLibrary(
        flows_dir,
        Checks(known_queues=known, prompts_dir=prompts if prompts.is_dir() else None),
        archive=runs,
    )
    runner = Runner(
        library,
        lambda: datetime.fromtimestamp(clock(), UTC),
        UrllibHttpClient(),
        contexts or MemoryContexts(),
        handoff,
        runs,
        outbound_check=dialer.allows if dialer is not None else None,
    )
    pci = (
        (lambda leg, masked: recorder.pci(leg, masked, by="ivr")) if recorder is not None else None
    )
    settings = VoiceSettings(
        prompts_dir=prompts,
        recordings_dir=config.path("recordings.dir"),
        pci_hook=pci,
        dial=dialer.dial if dialer is not None else None,
        agent_contacts={a["id"]: a["contact"] for a in config.data.get("agents") or []},
    )
    flows = config["flows"]
    fallback = Fallback(parse_fallback(flows["fallback"]), handoff, flows["fallback_prompt"],
                        store.journal, clock)
    def leg_gone(resyncing: str) -> Callable[[str], bool]:
        """At `resyncing`'s resync: no switch holds the leg (every other one is ready, so the
        tracker knows all their legs)."""
        def gone(leg: str) -> bool:
            known = board.tracker.legs.get(leg)
            others = [c for n, c in board.switches.items() if n != resyncing]
            return all(c.ready for c in others) and (known is None or not known.alive)
        return gone

    services = {
        name: IvrService(conn, library, runner, runs, settings, interactions=interactions,
                         clock=clock, fallback=fallback, leg_gone=leg_gone(name))
        for name, conn in board.switches.items()
    }
    return IvrSystem(library, runs, runner, services, float(config["flows"]["reload_interval"]))

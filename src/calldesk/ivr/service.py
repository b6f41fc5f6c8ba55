"""Voice IVR service: a parked inbound leg whose number a flow binds starts (or resumes) a run.

This is the glue between the switch and the runner: one greenlet per leg, the run saved at
every step, and after a reconnect every saved run whose leg is still alive resumes. The intake
(`calldesk.telephony.intake`) hands it the legs it owns (`on_park`); the wiring subscribes
`on_resync` and the leg router. Each new caller opens an interaction with an id of its own
(`calldesk.interactions`); the leg is where that interaction is, not what it is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import gevent

from calldesk.interactions import Interactions, new_interaction_id
from calldesk.ivr.legrouter import LegRouter
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.persist import RunStore
from calldesk.ivr.ports import MediaPort
from calldesk.ivr.runner import Runner, RunOutcome
from calldesk.ivr.voice import VoicePort, VoiceSettings

log = logging.getLogger(__name__)


class IvrService:
    def __init__(
        self,
        conn: Any,
        library: FlowLibrary,
        runner: Runner,
        runs: RunStore | None = None,
        settings: VoiceSettings | None = None,
        wrap_port: Callable[[VoicePort], MediaPort] | None = None,
        on_outcome: Callable[[RunOutcome], None] | None = None,
        interactions: Interactions | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.conn = conn
        self.library = library
        self.runner = runner
        self.runs = runs
        self.settings = settings or VoiceSettings()
        self.wrap_port = wrap_port
        self.on_outcome = on_outcome
        self.interactions = interactions
        self.clock = clock
        self.router = LegRouter(conn)
        self.active: dict[str, gevent.Greenlet] = {}  # leg -> its run
        self.outcomes: dict[str, RunOutcome] = {}  # leg -> how its last run ended
        self.interaction_of: dict[str, str] = {}  # leg -> the interaction its run serves

    def on_park(self, leg: Any, event: Any) -> None:
        """The intake's `ivr` owner: every event of an inbound customer leg; a run starts at
        its first park."""
        if event.name != "CHANNEL_PARK" or not event.uuid or event.uuid in self.active:
            return
        uuid = event.uuid
        if self.runs is not None and self.runs.status_at(uuid) not in (None, "active"):
            return  # this leg's run already ended (enqueued: the ACD owns it now)
        number = event.get("variable_calldesk_did") or event.get("Caller-Destination-Number") or ""
        # The rendered dialplan names the flow (trunks[].dids[].flow); otherwise a flow's bindings.
        named = event.get("variable_calldesk_flow")
        flow = self.library.current(named) if named else self.library.for_number(number)
        if flow is None:
            if named:
                log.error("leg %s: flow %r (calldesk_flow) is not loaded", uuid, named)
            return
        caller = {
            "id": event.get("Caller-Caller-ID-Number") or "",
            "name": event.get("Caller-Caller-ID-Name") or "",
            "number_dialed": number,
        }
        iid = self._open(uuid, caller)
        self.active[uuid] = gevent.spawn(self._run, uuid, flow, caller, None, False, iid)

    def _open(self, leg: str, caller: dict[str, Any]) -> str:
        """A new voice interaction for this caller, recorded with its leg when a registry is
        wired."""
        identities = {"phone": caller["id"]} if caller.get("id") else {}
        data = {"number_dialed": caller.get("number_dialed", "")}
        if self.interactions is None:
            return new_interaction_id("voice")
        return self.interactions.open("voice", at=self.clock(), address=leg,
                                      identities=identities, data=data)

    def run_flow(self, leg: str, flow: Any, caller: dict, variables: dict | None = None,
                 interaction: str | None = None) -> bool:
        """Run `flow` on a leg another part of calldesk hands over (e.g. the ACD's voicemail
        overflow), under that leg's interaction; False if a run is already going on that leg."""
        if leg in self.active:
            return False
        iid = interaction or self.interaction_of.get(leg) or self._open(leg, caller)
        self.active[leg] = gevent.spawn(self._run, leg, flow, caller, variables, True, iid)
        return True

    def on_resync(self, switch: str, rows: list[dict]) -> None:
        """After (re)connect: resume each saved run whose leg is still up."""
        if self.runs is None:
            return
        alive = {r.get("uuid") for r in rows}
        for state in self.runs.active():
            leg = state.address or state.interaction_id
            if leg in alive and leg not in self.active:
                log.info("resuming %s on %s at %s:%s", state.interaction_id, leg, state.flow,
                         state.step)
                self.active[leg] = gevent.spawn(
                    self._run, leg, None, {}, None, False, state.interaction_id
                )

    def _run(self, leg: str, flow: Any, caller: dict, variables: dict | None, fresh: bool,
             iid: str) -> None:
        self.interaction_of[leg] = iid
        port = self.router.port(leg, self.settings)
        media: MediaPort = self.wrap_port(port) if self.wrap_port else port
        try:
            saved = self.runs.load(iid) if self.runs is not None and not fresh else None
            if saved is not None and self.runs is not None and self.runs.status(iid) == "active":
                outcome = self.runner.resume(saved, media)
            else:
                outcome = self.runner.start(
                    flow, media, interaction_id=iid, caller=caller, variables=variables,
                    address=leg,
                )
            self.outcomes[leg] = outcome
            if self.on_outcome:
                self.on_outcome(outcome)
        except Exception:
            log.exception("IVR run on %s stopped; it stays saved at its step", leg)
        finally:
            self.router.release(leg)
            self.active.pop(leg, None)

    def wait(self, leg: str, timeout: float | None = None) -> RunOutcome | None:
        g = self.active.get(leg)
        if g is not None:
            g.join(timeout)
        return self.outcomes.get(leg)

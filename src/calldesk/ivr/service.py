"""Voice IVR service: a parked inbound leg whose number a flow binds starts (or resumes) a run.

This is the glue between the switch and the runner: one greenlet per leg, the run saved at
every step, and after a reconnect every saved run whose leg is still alive resumes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent

from calldesk.deskcalls.decide import KINDS as DESK_KINDS
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
    ) -> None:
        self.conn = conn
        self.library = library
        self.runner = runner
        self.runs = runs
        self.settings = settings or VoiceSettings()
        self.wrap_port = wrap_port
        self.on_outcome = on_outcome
        self.router = LegRouter(conn)
        self.active: dict[str, gevent.Greenlet] = {}
        self.outcomes: dict[str, RunOutcome] = {}
        conn.add_handler(self._on_event)
        if hasattr(conn, "add_resync_listener"):
            conn.add_resync_listener(self._on_resync)

    def _on_event(self, event: Any) -> None:
        if event.name != "CHANNEL_PARK" or not event.uuid or event.uuid in self.active:
            return
        if event.get("Call-Direction", "inbound") != "inbound":
            return  # agent and outbound legs the ACD originates park too
        if event.get("variable_calldesk_kind") in DESK_KINDS:
            return  # dialled from an agent's or supervisor's phone: calldesk.deskcalls' call
        leg = event.uuid
        if self.runs is not None and self.runs.status(leg) not in (None, "active"):
            return  # this leg's run already ended (enqueued: the ACD owns it now)
        number = event.get("variable_calldesk_did") or event.get("Caller-Destination-Number") or ""
        # The rendered dialplan names the flow (trunks[].dids[].flow); otherwise a flow's bindings.
        named = event.get("variable_calldesk_flow")
        flow = self.library.current(named) if named else self.library.for_number(number)
        if flow is None:
            if named:
                log.error("leg %s: flow %r (calldesk_flow) is not loaded", leg, named)
            return
        caller = {
            "id": event.get("Caller-Caller-ID-Number") or "",
            "name": event.get("Caller-Caller-ID-Name") or "",
            "number_dialed": number,
        }
        self.active[leg] = gevent.spawn(self._run, leg, flow, caller)

    def run_flow(self, leg: str, flow: Any, caller: dict, variables: dict | None = None) -> bool:
        """Run `flow` on a leg another part of calldesk hands over (e.g. the ACD's voicemail
        overflow); False if a run is already going on that leg."""
        if leg in self.active:
            return False
        self.active[leg] = gevent.spawn(self._run, leg, flow, caller, variables, True)
        return True

    def _on_resync(self, switch: str, rows: list[dict]) -> None:
        """After (re)connect: resume each saved run whose leg is still up."""
        if self.runs is None:
            return
        alive = {r.get("uuid") for r in rows}
        for state in self.runs.active():
            if state.interaction_id in alive and state.interaction_id not in self.active:
                log.info("resuming %s at %s:%s", state.interaction_id, state.flow, state.step)
                self.active[state.interaction_id] = gevent.spawn(
                    self._run, state.interaction_id, None, {}
                )

    def _run(self, leg: str, flow: Any, caller: dict, variables: dict | None = None,
             fresh: bool = False) -> None:  # fmt: skip
        port = self.router.port(leg, self.settings)
        media: MediaPort = self.wrap_port(port) if self.wrap_port else port
        try:
            saved = self.runs.load(leg) if self.runs is not None and not fresh else None
            if saved is not None and self.runs is not None and self.runs.status(leg) == "active":
                outcome = self.runner.resume(saved, media)
            else:
                outcome = self.runner.start(
                    flow, media, interaction_id=leg, caller=caller, variables=variables
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

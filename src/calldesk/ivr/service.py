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
import gevent.pool

from calldesk.errors import CalldeskError
from calldesk.interactions import Interactions, new_interaction_id
from calldesk.ivr.fallback import Fallback
from calldesk.ivr.legrouter import LegRouter
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.persist import RunStore
from calldesk.ivr.ports import MediaPort
from calldesk.ivr.runner import Runner, RunOutcome, masked_variables
from calldesk.ivr.voice import VoicePort, VoiceSettings
from calldesk.store.tx import durable
from calldesk.telephony.intake import owner_of

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
        fallback: Fallback | None = None,
        leg_gone: Callable[[str], bool] | None = None,
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
        self.fallback = fallback  # a caller whose flow cannot run is never left in silence
        # True once no switch holds the leg (every switch resynced): a saved run on it ends.
        self.leg_gone = leg_gone
        self.router = LegRouter(conn)
        self.active: dict[str, gevent.Greenlet] = {}  # leg -> its run
        self.outcomes: dict[str, RunOutcome] = {}  # leg -> how its last run ended
        self.interaction_of: dict[str, str] = {}  # leg -> the interaction its run serves
        self._retries: dict[str, int] = {}  # leg -> resumes after a switch error
        self.max_retries = 2

    def on_park(self, leg: Any, event: Any) -> None:
        """The intake's `ivr` owner: every event of an inbound customer leg; a run starts at
        its first park."""
        if event.name != "CHANNEL_PARK" or not event.uuid or event.uuid in self.active:
            return
        uuid = event.uuid
        if uuid in self.outcomes:
            return  # its run ended in this process (the ACD owns it now): no store query
        if self.runs is not None and self.runs.status_at(uuid) not in (None, "active"):
            return  # this leg's run already ended (enqueued: the ACD owns it now)
        number = event.get("variable_calldesk_did") or event.get("Caller-Destination-Number") or ""
        # The rendered dialplan names the flow (trunks[].dids[].flow); otherwise a flow's bindings.
        named = event.get("variable_calldesk_flow")
        flow = self.library.current(named) if named else self.library.for_number(number)
        caller = {
            "id": event.get("Caller-Caller-ID-Number") or "",
            "name": event.get("Caller-Caller-ID-Name") or "",
            "number_dialed": number,
        }
        if flow is None:
            why = f"flow {named!r} is not loaded" if named else f"no flow for number {number!r}"
            log.error("leg %s: %s", uuid, why)
            # A number no flow ever served is not calldesk's to answer; a named flow that is not
            # loaded, or a number whose flow file was removed, is: never silence.
            if self.fallback is not None and (named or self.library.served(number)):
                self.active[uuid] = gevent.spawn(self._open_and_fall_back, uuid, caller, why)
            return
        self.active[uuid] = gevent.spawn(self._open_and_run, uuid, flow, caller)

    def _open_and_run(self, leg: str, flow: Any, caller: dict[str, Any]) -> None:
        """Open the interaction in the run's greenlet: its row and the run's start are then
        committed together. Opened before the spawn, the row could commit alone and a crash
        before the run's start left an interaction nobody owned (seen once in CI's restart
        chaos test)."""
        self._run(leg, flow, caller, None, False, self._open(leg, caller))

    def _open_and_fall_back(self, leg: str, caller: dict[str, Any], why: str) -> None:
        self._fall_back(leg, self._open(leg, caller), caller, why)  # stored before it acts

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
        """After (re)connect: resume each saved run whose leg is still up, and start the flow of
        each caller who arrived while no controller watched (parked, inbound, no run yet)."""
        if self.runs is None:
            return
        parked = [r for r in rows if r.get("direction") == "inbound"
                  and (r.get("application") or "") == "park"]
        if parked:
            gevent.spawn(self._adopt, parked)
        alive = {r.get("uuid") for r in rows}
        for state in self.runs.active():
            leg = state.address or state.interaction_id
            if leg not in alive and leg not in self.active and self.leg_gone is not None \
                    and self.leg_gone(leg):
                # Its caller hung up while no controller watched: the run ends (it stayed
                # active for good, its interaction never ended). Not resumed: a step such as
                # `enqueue` would hand a dead caller on.
                self.runs.finished(state, RunOutcome(state.interaction_id, "caller_gone",
                                                     list(state.path), masked_variables(state),
                                                     None, "leg gone while no controller ran"))
                continue
            if leg in alive and leg not in self.active:
                log.info("resuming %s on %s at %s:%s", state.interaction_id, leg, state.flow,
                         state.step)
                self.active[leg] = gevent.spawn(
                    self._run, leg, None, {}, None, False, state.interaction_id
                )

    def _adopt(self, rows: list[dict[str, Any]]) -> None:
        """Parked inbound legs the store knows nothing of: the intake never saw their park (it
        came while the controller was down), so nobody would ever answer them. Several at once:
        one by one, the last of a few dozen waited in silence long enough to hang up (found by
        the restart chaos test)."""
        gevent.pool.Pool(8).map(self._adopt_one, rows)

    def _adopt_one(self, row: dict[str, Any]) -> None:
        uuid = row.get("uuid") or ""
        if not uuid or uuid in self.active or self.runs is None:
            return
        if self.runs.status_at(uuid) is not None:
            return  # a run already took it (and maybe handed it to the ACD)
        names = ("calldesk_kind", "calldesk_role", "calldesk_flow", "calldesk_did")
        variables = {n: v for n in names if (v := self._getvar(uuid, n))}
        if owner_of(variables, "inbound") != "ivr":
            return
        number = variables.get("calldesk_did") or row.get("dest") or ""
        named = variables.get("calldesk_flow")
        flow = self.library.current(named) if named else self.library.for_number(number)
        if flow is None or uuid in self.active:
            return
        caller = {"id": row.get("cid_num") or "", "name": row.get("cid_name") or "",
                  "number_dialed": number}
        log.warning("leg %s parked while no controller watched: starting %s", uuid,
                    flow.name)
        self.active[uuid] = gevent.spawn(self._open_and_run, uuid, flow, caller)

    def _getvar(self, uuid: str, name: str) -> str:
        try:
            value = str(self.conn.api("uuid_getvar", uuid, name, check=False) or "").strip()
        except CalldeskError:
            return ""
        return "" if value in ("_undef_", "") or value.startswith("-ERR") else value

    def _fall_back(self, leg: str, iid: str, caller: dict[str, Any], why: str,
                   variables: dict[str, Any] | None = None) -> None:
        self.active.pop(leg, None)
        if self.runs is not None:  # what the run stored is committed before the fallback acts
            durable(self.runs.db.conn)
        if self.fallback is not None:
            self.fallback.apply(self, leg, iid, caller, why, variables)

    def _run(self, leg: str, flow: Any, caller: dict[str, Any], variables: dict[str, Any] | None,
             fresh: bool, iid: str) -> None:
        _keep(self.interaction_of, leg, iid)
        failed, retry = "", False
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
            _keep(self.outcomes, leg, outcome)
            if outcome.status == "failed":
                failed, variables = outcome.detail, outcome.variables
            if self.on_outcome:
                self.on_outcome(outcome)
        except CalldeskError as exc:  # the switch was slow or the link dropped: resume the step
            retry = self._retries.get(leg, 0) < self.max_retries
            log.warning("IVR run on %s stopped at its step (%s)%s", leg, exc,
                        "; resuming it" if retry else "")
            if not retry:
                failed = f"the run stopped: {type(exc).__name__}: {exc}"
        except Exception as exc:
            log.exception("IVR run on %s stopped at its step", leg)
            failed = f"the run stopped: {type(exc).__name__}: {exc}"
        else:
            retry = False
        finally:
            self.router.release(leg)
            self.active.pop(leg, None)
        if not failed and leg not in self.outcomes and self.runs is not None and retry:
            self._retries[leg] = self._retries.get(leg, 0) + 1
            self.active[leg] = gevent.spawn(self._retry, leg, caller, iid)
            return
        self._retries.pop(leg, None)
        if failed and self.fallback is not None:
            self._fall_back(leg, iid, caller, failed, variables)

    def _retry(self, leg: str, caller: dict[str, Any], iid: str) -> None:
        """Resume a run its switch link stopped, once the link is ready again: retried at
        once, a run that failed on a link not ready failed its retries and its fallback too, and
        stayed active with nobody to resume it. Not ready in time: the next resync resumes it."""
        if not self.conn.wait_ready(RETRY_WAIT_S):
            self.active.pop(leg, None)
            return
        self._run(leg, None, caller, None, False, iid)

    def wait(self, leg: str, timeout: float | None = None) -> RunOutcome | None:
        g = self.active.get(leg)
        if g is not None:
            g.join(timeout)
        return self.outcomes.get(leg)


RETRY_WAIT_S = 30.0  # how long a stopped run waits for its switch link before a resync takes it
_KEEP = 20000  # legs remembered by `outcomes` and `interaction_of` (oldest forgotten first)


def _keep(legs: dict[str, Any], leg: str, value: Any) -> None:
    """Remember per leg, bounded: at 200 calls/s an unbounded map grows by 720,000 legs an hour."""
    legs.pop(leg, None)
    legs[leg] = value
    while len(legs) > _KEEP:
        legs.pop(next(iter(legs)))

"""What the dialer does on an answered leg, over ESL: AMD with mod_dptools' `detect_audio` /
`detect_silence`, a flow run on the leg (safe-harbour message, notification, machine
message), leaving the ACD's queue, pinning an answer to one agent, hanging up.

AMD: each step of `calldesk.dialer.amd.AmdRun` is one app run with `execute` (sendmsg, then
CHANNEL_EXECUTE_COMPLETE); the app's outcome is the channel variable it sets on completion
(`variable_detect_audio_timeout` / `variable_detect_silence_timeout`, "true" on timeout, as
switch_ivr_async.c does); the time since the answer is the completion's Event-Date-Timestamp
minus Caller-Channel-Answered-Time (the switch's clock: the round trips between two apps,
during which the callee kept talking, are counted where they happened).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent
import gevent.event

from calldesk.acd import events as ev
from calldesk.dialer.amd import AmdRun, AmdThresholds, Verdict
from calldesk.dialer.config import Campaign
from calldesk.errors import CalldeskError

log = logging.getLogger(__name__)


def _since_answer(event: Any) -> float | None:
    """Seconds from the leg's answer to this event, by the switch's own timestamps (µs)."""
    try:
        at = int(event.get("Event-Date-Timestamp") or 0)
        answered = int(event.get("Caller-Channel-Answered-Time") or 0)
    except ValueError:
        return None
    return (at - answered) / 1e6 if at and answered else None


class LegPorts:
    def __init__(
        self, board: Any, ivr: Any, engine: Any, clock: Callable[[], float], time_scale: float = 1.0
    ) -> None:
        self.board, self.ivr, self.engine, self.clock = board, ivr, engine, clock
        self.scale = time_scale
        self.beeps: dict[str, gevent.event.Event] = {}  # legs avmd listens on -> beep heard

    def on_event(self, event: Any) -> None:
        """mod_avmd's `avmd::beep` (the switch must subscribe to it: CUSTOM avmd::beep). The
        composition root subscribes this to every switch."""
        if event.name == "CUSTOM" and event.subclass == "avmd::beep" and event.uuid:
            heard = self.beeps.get(event.uuid)
            if heard is not None:
                heard.set()

    def _conn(self, switch: str) -> Any:
        return self.board.switches.get(switch) or self.board.pick()

    def amd(
        self,
        leg: str,
        switch: str,
        t: AmdThresholds,
        active: Callable[[], bool],
        avmd: bool = False,
    ) -> Verdict | None:
        """Classify the callee on `leg`; None if `active()` turned false or the leg went.
        With `avmd`, mod_avmd listens too (until `wait_beep` ends) and a beep is a machine."""
        conn, run = self._conn(switch), AmdRun(t)
        if avmd:
            self._avmd_start(conn, leg)
        step: str | Verdict = run.start()
        while isinstance(step, str):
            if not active():
                self._avmd_stop(conn, leg)
                return None
            if leg in self.beeps and self.beeps[leg].is_set():
                return run.beep(run.elapsed)
            name, _, arg = step.partition(" ")
            started = self.clock()
            try:
                done = conn.execute(leg, name, arg, timeout=(t.total_s + 5) / self.scale)
            except CalldeskError as exc:
                log.info("AMD on %s stopped: %s", leg, exc)
                return None
            if done.get("Channel-State") == "CS_HANGUP" or done.get("Answer-State") == "hangup":
                return None
            timed_out = (done.get(f"variable_{name}_timeout") or "") == "true"
            since = _since_answer(done)  # the switch's clock: ESL round trips do not count
            ran = since - run.elapsed if since is not None else self.clock() - started
            step = run.completed(max(0.0, ran), timed_out)
        return step

    def _avmd_start(self, conn: Any, leg: str) -> None:
        self.beeps[leg] = gevent.event.Event()
        try:  # queued ahead of the first detect app: no round trip between the two
            conn.execute_async(leg, "avmd_start", "")
        except CalldeskError as exc:
            log.info("avmd_start on %s failed: %s", leg, exc)

    def wait_beep(self, leg: str, switch: str, done: Callable[[], bool], seconds: float) -> bool:
        """Wait up to `seconds` (controller time) for avmd's beep on `leg`, or until `done()`;
        then stop avmd. True if the beep came."""
        heard = self.beeps.get(leg)
        if heard is None:
            return False
        deadline = self.clock() + seconds
        try:
            while not heard.is_set() and not done() and self.clock() < deadline:
                heard.wait(0.05 / self.scale)
            return heard.is_set()
        finally:
            self._avmd_stop(self._conn(switch), leg)

    def _avmd_stop(self, conn: Any, leg: str) -> None:
        if self.beeps.pop(leg, None) is None:
            return
        try:
            conn.api("avmd", leg, "stop", check=False)
        except CalldeskError as exc:
            log.info("avmd stop on %s failed: %s", leg, exc)

    def run_flow(self, iid: str, leg: str, switch: str, flow: str, variables: dict) -> bool:
        current = self.ivr.library.current(flow)
        service = self.ivr.services.get(switch) or next(iter(self.ivr.services.values()), None)
        if current is None or service is None:
            log.warning("%s: flow %r not loaded; nothing played on %s", iid, flow, leg)
            return False
        who = {"id": variables.get("contact_number", ""), "name": variables.get("contact_name")}
        return bool(service.run_flow(leg, current, who, variables, interaction=iid))

    def withdraw(self, iid: str) -> None:
        """The answer leaves the ACD's queue (its leg stays up for what comes next)."""
        self.engine.post(ev.InteractionEnded(iid, "dialer withdrew"))

    def pull(self, iid: str, agent: str) -> None:
        self.engine.post(ev.InteractionPulled(iid, agent))

    def hangup(self, leg: str, switch: str, cause: str) -> None:
        try:
            self._conn(switch).hangup(leg, cause)
        except CalldeskError as exc:
            log.info("hangup of %s failed: %s", leg, exc)

    def safe_harbour(self, iid: str, leg: str, campaign: Campaign, variables: dict) -> bool:
        """No agent in time: out of the queue, its music stopped, the recorded message (the
        campaign's flow, with the contact's name and the callback number) played. False when
        it could not be started (the leg gone, the flow not loaded)."""
        self.withdraw(iid)
        row = self.board.tracker.get(leg)
        if row is None or not row.alive:
            return False
        try:
            self._conn(row.switch).api("uuid_break", leg, "all", check=False)
        except CalldeskError as exc:
            log.info("uuid_break before the safe-harbour message on %s failed: %s", leg, exc)
        return self.run_flow(iid, leg, row.switch, campaign.safe_harbour_flow, variables)

"""The ESL side of the dispatcher: small blocking primitives over a switch connection.

Each runs in its own greenlet (never in the ESL reader); failures are logged and reported to the
caller as a return value, since the leg tracker tells the dispatcher what really happened.

MOH and position announcements, as FreeSWITCH 1.10 runs them (see the README, "MOH and
announcements"): a `sendmsg execute` is a private event of the session. Parked, the session runs
it (switch_ivr_park -> switch_ivr_parse_all_events); while an app plays, switch_ivr_play_file
also calls switch_ivr_parse_all_events every frame, so a command queued behind a playback runs
*nested inside it* at once. `endless_playback` loops while the channel is ready and restarts
its file on a break (mod_dptools.c endless_playback_function), so it can only end by a bridge,
transfer or hangup. MOH is therefore `playback local_stream://moh` (a local stream never ends;
`uuid_break` sets CF_BREAK, or CF_STOP_BROADCAST + CF_BREAK for a sendmsg app, and
switch_ivr_play_file returns on it), and one announcement is a sequence on its own greenlet:

  1. `uuid_break <leg> all` (mod_commands.c break_function: flush the leg's queued private
     events, then stop the broadcast / set CF_BREAK);
  2. wait for the MOH playback's CHANNEL_EXECUTE_COMPLETE (matched on Application-UUID);
  3. `execute <announce_app>` and wait for its completion (nothing else is queued or playing,
     so it runs from park, not nested; switch_core_session_exec clears a stale CF_BREAK);
  4. `execute <moh_app>` again.

At most one sequence runs per leg (a second one due meanwhile is skipped), and a leg that is
bridged, transferred or handed over (`release`) gets nothing more from here: the release is
marked before the bridge's `uuid_break all`, and every command of a sequence is sent under the
leg's lock after checking that mark, so none can reach the switch after the bridge.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import gevent
import gevent.event
import gevent.lock

from calldesk.acd.events import BRIDGE_NO_REPLY
from calldesk.engine.settings import DispatchSettings
from calldesk.errors import CalldeskError, CommandTimeout, NotConnected
from calldesk.esl.commands import check_token, check_uuid, originate_args
from calldesk.esl.connection import SwitchConnection
from calldesk.telephony.legs import LegRef
from calldesk.telephony.switchboard import Switchboard

log = logging.getLogger(__name__)


@dataclass
class LegMedia:
    """What the dispatcher plays on one caller leg."""

    lock: gevent.lock.Semaphore = field(default_factory=gevent.lock.Semaphore)
    moh: gevent.event.AsyncResult | None = None  # completion of the MOH playing now
    busy: bool = False  # an announcement sequence runs
    released: bool = False  # bridged, transferred or handed over: no more MOH from here


class Voice:
    def __init__(self, board: Switchboard, settings: DispatchSettings) -> None:
        self.board = board
        self.settings = settings
        self.legs: dict[str, LegMedia] = {}  # caller leg -> its MOH/announcement state

    def conn(self, switch: str | None) -> SwitchConnection:
        if switch and switch in self.board.switches:
            return self.board.switches[switch]
        return self.board.pick()

    def originate(
        self, conn: SwitchConnection, endpoint: str, variables: Mapping[str, object]
    ) -> gevent.event.AsyncResult:
        """bgapi originate `endpoint` into park; resolves with `+OK <uuid>` or `-ERR <CAUSE>`."""
        return conn.bgapi("originate", originate_args(endpoint, variables, "park"))

    # -- MOH and announcements ---------------------------------------------------------
    def media(self, uuid: str) -> LegMedia:
        m = self.legs.get(uuid)
        if m is None:
            m = self.legs[uuid] = LegMedia()
        return m

    def release(self, uuid: str) -> None:
        """No MOH or announcement may start on this leg from now on (no I/O: call it in the
        worker, before the bridge/transfer greenlet is spawned)."""
        self.media(uuid).released = True

    def forget(self, uuid: str) -> None:
        m = self.legs.pop(uuid, None)
        if m is not None:
            m.released = True

    def moh(self, ref: LegRef) -> None:
        m = self.media(ref.uuid)
        if m.released or m.busy:  # a running announcement starts MOH again itself
            return
        with m.lock:
            if m.released or (m.moh is not None and not m.moh.ready()):
                return
            self._start_moh(ref, m)

    def _start_moh(self, ref: LegRef, m: LegMedia) -> None:
        """Under `m.lock`. MOH that ends by itself (a '*': `playback`'s default terminator in
        mod_dptools.c on_dtmf; a file that ends) starts again, unless it ended at once."""
        s = self.settings
        try:
            done = self.conn(ref.switch).execute_async(check_uuid(ref.uuid), s.moh_app, s.moh)
        except CalldeskError as exc:
            log.info("MOH on %s not started: %s", ref.uuid, exc)
            m.moh = None
            return
        m.moh = done
        started = gevent.get_hub().loop.now()

        def ended(result: gevent.event.AsyncResult) -> None:
            if m.moh is not result or m.released or m.busy or not result.successful():
                return  # broken on purpose, or the leg is gone
            if (gevent.get_hub().loop.now() - started) * s.time_scale < 1.0:
                log.warning("MOH on %s ended at once (%s); not restarted", ref.uuid, s.moh)
                return
            m.moh = None
            gevent.spawn(self.moh, ref)

        done.rawlink(ended)

    def announce(self, ref: LegRef, position: int, wait_s: float) -> gevent.Greenlet | None:
        """Start one announcement sequence (see the module doc) unless one runs on the leg."""
        m = self.media(ref.uuid)
        if m.released:
            return None
        if m.busy:
            log.info("announcement on %s skipped: the previous one still runs", ref.uuid)
            return None
        m.busy = True  # before the greenlet runs: a bridge decided later finds it
        s = self.settings
        arg = s.announce_arg.format(position=position, wait_min=max(1, round(wait_s / 60)))
        return gevent.spawn(self._announce, ref, m, arg)

    def _announce(self, ref: LegRef, m: LegMedia, arg: str) -> None:
        s, scale = self.settings, self.settings.time_scale
        try:
            conn = self.conn(ref.switch)
            with m.lock:
                if m.released:
                    return
                playing, m.moh = m.moh, None
                conn.api("uuid_break", check_uuid(ref.uuid), "all", check=False)
            if playing is not None:
                try:
                    playing.get(timeout=s.announce_break_timeout_s / scale)
                except gevent.Timeout:  # it was still queued, and `all` flushed it
                    log.info("MOH on %s: no completion after the break", ref.uuid)
            else:  # not started here (e.g. before a restart): let a broken playback return
                gevent.sleep(s.announce_break_timeout_s / scale / 10)
            with m.lock:
                if m.released:
                    return
                done = conn.execute_async(ref.uuid, s.announce_app, arg)
            done.get(timeout=s.announce_timeout_s / scale)
            with m.lock:
                if m.released:
                    return
                self._start_moh(ref, m)
        except (CalldeskError, gevent.Timeout) as exc:
            log.info("announcement on %s ended early: %s", ref.uuid, exc)
        finally:
            m.busy = False

    def bridge(self, a: LegRef, b_uuid: str, stop_media: bool = True) -> str | None:
        """Stop what `a` hears (MOH, an announcement, anything queued) and bridge it to `b`.
        None once the switch said +OK; else why not: `BRIDGE_NO_REPLY` when the link gave no
        answer (a timeout, no connection), "bridge refused" when the switch said no."""
        m = self.media(a.uuid)
        m.released = True
        try:
            conn = self.conn(a.switch)
            with m.lock:  # after any command of a running sequence already on its way
                if stop_media or m.busy:
                    conn.api("uuid_break", check_uuid(a.uuid), "all", check=False)
                conn.api("uuid_bridge", check_uuid(a.uuid), check_uuid(b_uuid))
            return None
        except (CommandTimeout, NotConnected) as exc:
            log.info("bridge %s <-> %s: no reply: %s", a.uuid, b_uuid, exc)
            return BRIDGE_NO_REPLY
        except CalldeskError as exc:
            log.info("bridge %s <-> %s failed: %s", a.uuid, b_uuid, exc)
            return "bridge refused"

    def set_var(self, ref: LegRef, name: str, value: str) -> bool:
        try:
            self.conn(ref.switch).api(
                "uuid_setvar", check_uuid(ref.uuid), check_token(name, "variable"),
                check_token(value, "value"), check=False,
            )
            return True
        except CalldeskError as exc:
            log.info("uuid_setvar %s on %s failed: %s", name, ref.uuid, exc)
            return False

    def kill(self, ref: LegRef, cause: str = "NORMAL_CLEARING") -> bool:
        self.forget(ref.uuid)
        try:
            return self.conn(ref.switch).hangup(ref.uuid, cause)
        except CalldeskError as exc:
            log.info("hangup of %s failed: %s", ref.uuid, exc)
            return False

    def transfer(self, ref: LegRef, target: str, context: str) -> bool:
        m = self.media(ref.uuid)
        m.released = True
        try:
            conn = self.conn(ref.switch)
            with m.lock:
                conn.api("uuid_break", check_uuid(ref.uuid), "all", check=False)
                conn.api(
                    "uuid_transfer",
                    ref.uuid,
                    check_token(target, "transfer target"),
                    "XML",
                    check_token(context, "context"),
                )
            return True
        except CalldeskError as exc:
            log.info("transfer of %s to %s failed: %s", ref.uuid, target, exc)
            return False
        finally:
            self.legs.pop(ref.uuid, None)  # detached from the ACD: nothing more plays from here

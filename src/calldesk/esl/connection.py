"""A supervised connection to one switch: commands with timeouts, futures, reconnect and resync.

States: connecting -> resyncing -> ready; on loss -> down -> (backoff) -> connecting.
Only `ready` accepts new work; the resync itself runs `show channels as json` first, and every
resync listener (the leg tracker, the dispatcher) rebuilds its view before `ready` is set.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import gevent
import gevent.event

from calldesk.errors import CommandTimeout, ESLError, NotConnected
from calldesk.esl import commands
from calldesk.esl.frames import Event, EventParseError, Frame
from calldesk.esl.lanes import Lanes
from calldesk.esl.protocol import YIELD_EVERY_FRAMES, YIELD_EVERY_FRAMES_BEHIND, ESLProtocol
from calldesk.uid import uuid4_text

log = logging.getLogger(__name__)

# The events calldesk folds into leg state and flows. Kept small on purpose.
DEFAULT_EVENTS: tuple[str, ...] = (
    "CHANNEL_CREATE",
    "CHANNEL_PROGRESS",
    "CHANNEL_PROGRESS_MEDIA",
    "CHANNEL_ANSWER",
    "CHANNEL_PARK",
    "CHANNEL_UNPARK",
    "CHANNEL_EXECUTE",
    "CHANNEL_EXECUTE_COMPLETE",
    "CHANNEL_BRIDGE",
    "CHANNEL_UNBRIDGE",
    "CHANNEL_HOLD",
    "CHANNEL_UNHOLD",
    "CHANNEL_HANGUP",
    "CHANNEL_HANGUP_COMPLETE",
    "CHANNEL_DESTROY",
    "DTMF",
    "RECORD_START",
    "RECORD_STOP",
    "PLAYBACK_START",
    "PLAYBACK_STOP",
    "BACKGROUND_JOB",
)

EventHandler = Callable[[Event], None]
ResyncListener = Callable[[str, list[dict[str, Any]]], None]


@dataclass
class Health:
    state: str = "down"
    connects: int = 0
    last_error: str = ""
    commands_failed: int = 0
    events_in: int = 0
    bad_events: int = 0
    behind: int = 0  # watchdog turns that kept the link: a reply missing, the events arriving


@dataclass
class SwitchSettings:
    name: str
    host: str
    port: int
    password: str
    command_timeout: float = 5.0
    connect_timeout: float = 5.0
    events: Sequence[str] = DEFAULT_EVENTS
    custom_events: Sequence[str] = ()
    backoff_initial: float = 0.1
    backoff_max: float = 5.0
    stall_after: float = 0.0  # no reply for this long -> reconnect; 0 means 3 x command_timeout
    extra: dict[str, Any] = field(default_factory=dict)


class SwitchConnection:
    """One controller-to-switch link. Thread-of-control: gevent greenlets only."""

    def __init__(self, settings: SwitchSettings) -> None:
        self.settings = settings
        self.name = settings.name
        self.health = Health()
        self._proto: ESLProtocol | None = None
        self._handlers: list[EventHandler] = []
        self._sync_handlers: list[EventHandler] = []
        self._resync_listeners: list[ResyncListener] = []
        self._resync_begin: list[Callable[[str], None]] = []
        self._jobs: dict[str, gevent.event.AsyncResult[str]] = {}
        self._executions: dict[str, tuple[str, gevent.event.AsyncResult[Event]]] = {}
        self._executions_of: dict[str, set[str]] = {}  # leg -> its executions' Application-UUIDs
        self._lanes = Lanes(self._run_handlers)
        self._ready = gevent.event.Event()
        self._stopping = False
        self._supervisor: gevent.Greenlet[[], None] | None = None
        self._lost = gevent.event.Event()
        self._yield_every = YIELD_EVERY_FRAMES

    # -- wiring ---------------------------------------------------------------
    def add_handler(self, handler: EventHandler, *, inline: bool = False) -> None:
        """Called for every event. `inline` handlers run in the reader, in arrival order, and
        must be cheap (state folding); others run in per-leg lanes."""
        (self._sync_handlers if inline else self._handlers).append(handler)

    def add_resync_listener(self, listener: ResyncListener) -> None:
        """Called with (switch name, rows of `show channels as json`) after every (re)connect."""
        self._resync_listeners.append(listener)

    def add_resync_begin_listener(self, listener: Callable[[str], None]) -> None:
        """Called with the switch name as a resync asks for the legs (events keep coming while
        it waits: a leg they tell of is not missing from a list taken before it was born)."""
        self._resync_begin.append(listener)

    def pace(self, behind: bool) -> None:
        """While this controller reads callers' events late (`behind`), its reader takes longer
        runs (intake before API latency); otherwise it yields every second frame."""
        self._yield_every = YIELD_EVERY_FRAMES_BEHIND if behind else YIELD_EVERY_FRAMES
        if self._proto is not None:
            self._proto.yield_every = self._yield_every

    # -- lifecycle --------------------------------------------------------------
    def start(self, wait: float | None = None) -> bool:
        """Start the supervisor. With `wait`, block until ready (True) or the time runs out."""
        if self._supervisor is None:
            self._stopping = False
            self._supervisor = gevent.spawn(self._supervise)
        return self._ready.wait(timeout=wait) if wait is not None else self._ready.is_set()

    def stop(self) -> None:
        self._stopping = True
        if self._proto and self._proto.connected:
            try:
                self._proto.send_frame(commands.simple("exit"), timeout=1.0)
            except ESLError:
                pass
        if self._proto:
            self._proto.close()
        if self._supervisor is not None:
            self._supervisor.kill()
            self._supervisor = None
        self._set_state("down")

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout=timeout)

    def _set_state(self, state: str) -> None:
        self.health.state = state
        if state == "ready":
            self._ready.set()
        else:
            self._ready.clear()

    def _supervise(self) -> None:
        delay = self.settings.backoff_initial
        while not self._stopping:
            try:
                self._connect_once()
                delay = self.settings.backoff_initial
                self._watch_for_stall()
            except ESLError as exc:
                self.health.last_error = str(exc)
                log.warning("switch %s: %s; retrying in %.1fs", self.name, exc, delay)
            if self._stopping:
                break
            self._set_state("down")
            gevent.sleep(delay * (0.8 + 0.4 * random.random()))
            delay = min(delay * 2, self.settings.backoff_max)

    def _watch_for_stall(self) -> None:
        """Until the connection is lost: a switch that answers nothing and sends nothing for
        `stall_after` is treated as dead, so the supervisor reconnects and resyncs instead of
        queueing forever."""
        limit = self.settings.stall_after or 3 * self.settings.command_timeout
        warned = False
        while not self._lost.wait(timeout=min(1.0, limit / 3)):
            proto = self._proto
            if proto is None or proto.oldest_pending_age() <= limit:
                warned = False
                continue
            what = proto.oldest_pending()
            if proto.behind(within=limit / 3):
                # Behind, not dead: a reconnect would drop the backlog and start a resync on a
                # box that is already short of CPU.
                self.health.behind += 1
                if not warned:
                    log.warning("switch %s: no reply for %.1fs to %r, but its events still "
                                "arrive: this controller is behind; not reconnecting",
                                self.name, limit, what)
                    warned = True
                continue
            log.error("switch %s: no reply for %.1fs to %r; reconnecting", self.name, limit, what)
            self.health.last_error = f"stalled: no reply for {limit:.1f}s to {what!r}"
            proto.close()

    def _connect_once(self) -> None:
        s = self.settings
        self._set_state("connecting")
        self._lost.clear()
        proto = ESLProtocol(
            s.host,
            s.port,
            s.password,
            connect_timeout=s.connect_timeout,
            on_event=self._on_frame,
            on_close=self._on_close,
        )
        proto.yield_every = self._yield_every
        self._proto = proto
        proto.connect()
        self.health.connects += 1
        self._send(commands.event(s.events, "plain", s.custom_events), s.command_timeout)
        self._set_state("resyncing")
        rows = self._list_legs()
        for listener in self._resync_listeners:
            listener(self.name, rows)
        self._set_state("ready")
        log.info("switch %s ready (%d legs after resync)", self.name, len(rows))

    def _list_legs(self) -> list[dict[str, Any]]:
        for begin in self._resync_begin:
            begin(self.name)
        body = self._api_text("show channels as json", self.settings.command_timeout)
        try:
            rows = list(json.loads(body).get("rows") or [])
        except (ValueError, AttributeError) as exc:
            raise ESLError(f"resync: bad `show channels` output: {body[:80]!r}") from exc
        if rows:
            self._add_bridge_peers(rows)
        return rows

    def _add_bridge_peers(self, rows: list[dict[str, Any]]) -> None:
        """`show channels` has no bridge peer column (mod_commands.c show_function reads the
        core `channels` table); `show calls` pairs each bridged originator (`uuid`) with its
        peer (`b_uuid`). Both sides of each pair get `b_uuid`, so a resync keeps the bridges."""
        body = self._api_text("show calls as json", self.settings.command_timeout)
        try:
            calls = list(json.loads(body).get("rows") or [])
        except (ValueError, AttributeError):
            log.warning("switch %s: resync without bridges: %r", self.name, body[:80])
            return
        peers: dict[str, str] = {}
        for call in calls:
            a, b = call.get("uuid") or "", call.get("b_uuid") or ""
            if a and b:
                peers[a], peers[b] = b, a
        for row in rows:
            peer = peers.get(row.get("uuid") or "")
            if peer:
                row["b_uuid"] = peer

    def _on_close(self, reason: str) -> None:
        if self._stopping:
            log.info("switch %s connection closed", self.name)
        else:
            log.warning("switch %s connection lost: %s", self.name, reason)
        self.health.last_error = reason
        self._set_state("down")
        for result in self._jobs.values():
            result.set_exception(NotConnected(f"switch {self.name} lost: {reason}"))
        self._jobs.clear()
        for _, waiting in self._executions.values():
            waiting.set_exception(NotConnected(f"switch {self.name} lost: {reason}"))
        self._executions.clear()
        self._executions_of.clear()
        self._lost.set()

    # -- intake -----------------------------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        if frame.content_type == "text/disconnect-notice":
            return
        try:
            event = frame.event()
        except EventParseError as exc:
            self.health.bad_events += 1
            log.warning("switch %s: event skipped: %s", self.name, exc)
            return
        if event is None:
            self.health.bad_events += 1
            log.warning("switch %s: unexpected frame %s skipped", self.name, frame.content_type)
            return
        self.health.events_in += 1
        name = event.name
        if name == "BACKGROUND_JOB":
            result = self._jobs.pop(event.get("Job-UUID") or "", None)
            if result is not None:
                result.set(event.body)
        elif name == "CHANNEL_EXECUTE_COMPLETE":
            waiting = self._pop_execution(event.get("Application-UUID") or "")
            if waiting is not None:
                waiting[1].set(event)
        elif name == "CHANNEL_DESTROY":
            self._fail_executions(event.uuid or "")
        for handler in self._sync_handlers:
            try:
                handler(event)
            except Exception:
                log.exception("inline handler failed")
        if self._handlers:
            self._lanes.submit(event.uuid or "", event)

    def _run_handlers(self, event: Event) -> None:
        for handler in self._handlers:
            handler(event)

    def _fail_executions(self, leg_uuid: str) -> None:
        for key in self._executions_of.pop(leg_uuid, ()):
            waiting = self._executions.pop(key, None)
            if waiting is not None:
                waiting[1].set_exception(ESLError(f"leg {leg_uuid} is gone"))

    def _pop_execution(self, app_uuid: str) -> tuple[str, gevent.event.AsyncResult[Event]] | None:
        waiting = self._executions.pop(app_uuid, None)
        if waiting is not None:
            keys = self._executions_of.get(waiting[0])
            if keys is not None:
                keys.discard(app_uuid)
                if not keys:
                    del self._executions_of[waiting[0]]
        return waiting

    # -- commands -----------------------------------------------------------------
    def _send(self, raw: bytes, timeout: float | None) -> Frame:
        proto = self._proto
        if proto is None or not proto.connected:
            raise NotConnected(f"switch {self.name} is not connected")
        try:
            return proto.send_frame(raw, timeout or self.settings.command_timeout)
        except ESLError:
            self.health.commands_failed += 1
            raise

    def _api_text(self, command_line: str, timeout: float | None) -> str:
        word, _, rest = command_line.partition(" ")
        raw = commands.api(word, rest) if rest else commands.api(word)
        return self._send(raw, timeout).text

    def _require_ready(self) -> None:
        if not self._ready.is_set():
            raise NotConnected(f"switch {self.name} is {self.health.state}; no new work accepted")

    def api(
        self, command: str, *args: object, timeout: float | None = None, check: bool = True
    ) -> str:
        """`api` and its output. With `check`, a `-ERR …` output raises ESLError."""
        self._require_ready()
        text = self._send(commands.api(command, *args), timeout).text
        if check and text.startswith("-ERR"):
            raise ESLError(f"{command}: {text.strip()}")
        return text

    def bgapi(
        self, command: str, *args: object, timeout: float | None = None
    ) -> gevent.event.AsyncResult[str]:
        """Start a background job; the result resolves with the job's output text."""
        self._require_ready()
        job_uuid = uuid4_text()
        result: gevent.event.AsyncResult[str] = gevent.event.AsyncResult()
        self._jobs[job_uuid] = result
        try:
            reply = self._send(commands.bgapi(command, *args, job_uuid=job_uuid), timeout)
        except ESLError:
            self._jobs.pop(job_uuid, None)
            raise
        if not (reply.reply_text or "").startswith("+OK"):
            self._jobs.pop(job_uuid, None)
            raise ESLError(f"bgapi {command}: {reply.reply_text}")
        return result

    def execute_async(
        self,
        leg_uuid: str,
        app: str,
        arg: str = "",
        *,
        event_lock: bool = False,
        timeout: float | None = None,
    ) -> gevent.event.AsyncResult[Event]:
        """sendmsg execute; the result resolves with CHANNEL_EXECUTE_COMPLETE matched on
        `Application-UUID` (== the `Event-UUID` we sent), never on the app's name."""
        self._require_ready()
        app_uuid = uuid4_text()
        result: gevent.event.AsyncResult[Event] = gevent.event.AsyncResult()
        self._executions[app_uuid] = (leg_uuid, result)
        self._executions_of.setdefault(leg_uuid, set()).add(app_uuid)
        raw = commands.sendmsg_execute(
            leg_uuid, app, arg, event_uuid=app_uuid, event_lock=event_lock
        )
        try:
            reply = self._send(raw, timeout)
        except ESLError:
            self._pop_execution(app_uuid)
            raise
        if not (reply.reply_text or "").startswith("+OK"):
            self._pop_execution(app_uuid)
            raise ESLError(f"sendmsg {app} on {leg_uuid}: {reply.reply_text}")
        return result

    def execute(
        self,
        leg_uuid: str,
        app: str,
        arg: str = "",
        *,
        timeout: float | None = None,
        event_lock: bool = False,
    ) -> Event:
        """Run an app on a leg and wait for its completion event (`timeout` None: wait as long as it runs)."""
        result = self.execute_async(leg_uuid, app, arg, event_lock=event_lock)
        try:
            return cast(Event, result.get(timeout=timeout))
        except gevent.Timeout as exc:
            raise CommandTimeout(f"{app} on {leg_uuid} did not complete in {timeout}s") from exc

    def hangup(self, leg_uuid: str, cause: str = "NORMAL_CLEARING") -> bool:
        """uuid_kill; False if the leg was already gone."""
        text = self.api("uuid_kill", commands.check_uuid(leg_uuid), cause, check=False)
        return text.startswith("+OK")

    def command(self, raw: bytes, timeout: float | None = None) -> Frame:
        """Send a pre-built command (filter, linger, …) and return its reply frame."""
        self._require_ready()
        return self._send(raw, timeout)

    def resync(self) -> list[dict[str, Any]]:
        """Re-run the resync on demand (e.g. the periodic reconciliation)."""
        rows = self._list_legs()
        for listener in self._resync_listeners:
            listener(self.name, rows)
        return rows

    def lanes_pending(self) -> int:
        return self._lanes.pending()


def connect_all(connections: Iterable[SwitchConnection], wait: float) -> dict[str, bool]:
    """Start several switches at once; returns which became ready within `wait` seconds."""
    conns = list(connections)
    for conn in conns:
        conn.start()
    gevent.joinall([gevent.spawn(c.wait_ready, wait) for c in conns], timeout=wait + 1)
    return {c.name: c.ready for c in conns}

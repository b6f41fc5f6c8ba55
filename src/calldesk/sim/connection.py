"""One ESL client connection: inbound (auth, api, events...) or outbound (connect, sendmsg...)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import gevent
from gevent.lock import RLock
from gevent.queue import Queue

from . import lifecycle, wire
from .api import run_api
from .events import SimEvent, base_headers, leg_headers
from .legs import Leg, Message, new_uuid

if TYPE_CHECKING:
    from .switch import SimSwitch

log = logging.getLogger(__name__)

MAX_COMMAND = 1 << 20
# `myevents` subscribes to these for the tied leg (mod_event_socket.c).
MYEVENTS = frozenset(
    "CHANNEL_ANSWER CHANNEL_APPLICATION CHANNEL_BRIDGE CHANNEL_CREATE CHANNEL_DATA "
    "CHANNEL_DESTROY CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP "
    "CHANNEL_HANGUP_COMPLETE CHANNEL_ORIGINATE CHANNEL_UUID CHANNEL_OUTGOING CHANNEL_PARK "
    "CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_STATE CHANNEL_UNBRIDGE CHANNEL_UNPARK "
    "DETECTED_SPEECH DTMF TALK NOTALK".split()
)
LEVELS = {0: "CONSOLE", 1: "ALERT", 2: "CRIT", 3: "ERR", 4: "WARNING", 5: "NOTICE", 6: "INFO",
          7: "DEBUG"}  # fmt: skip


class Connection:
    def __init__(self, sw: SimSwitch, sock: Any, outbound_leg: Leg | None = None) -> None:
        self.sw = sw
        self.sock = sock
        self.outbound = outbound_leg is not None
        self.leg: Leg | None = outbound_leg
        self.authed = self.outbound
        self.fmt = "plain"
        self.all_events = False
        self.events: set[str] = set()
        self.customs: set[str] = set()
        self.filters: list[tuple[str, str]] = []
        self.myevents = False
        self.linger: int | None = None
        self.log_level: int | None = None
        self.closed = False
        self._lock = RLock()
        self._queue: Queue = Queue()
        self._writer: gevent.Greenlet | None = None
        self._linger_timer: gevent.Greenlet | None = None
        if outbound_leg is not None:
            outbound_leg.tied.append(self)

    # -- running -------------------------------------------------------------------------------
    def serve(self) -> None:
        """Read commands until the client or we close. Runs on the connection's greenlet."""
        self.sw.connections.add(self)
        self._writer = gevent.spawn(self._write_loop)
        try:
            if not self.outbound:
                self._send(wire.auth_request())
            buf = b""
            while not self.closed:
                try:
                    data = self.sock.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                buf += data.replace(b"\r\n", b"\n")
                while b"\n\n" in buf and not self.closed:
                    raw, buf = buf.split(b"\n\n", 1)
                    self._handle(raw.decode("utf-8", "replace"))
                if len(buf) > MAX_COMMAND:
                    log.warning("sim: command over %d bytes dropped", MAX_COMMAND)
                    buf = b""
                    self._reply("-ERR command too long")
        finally:
            self._shutdown()

    def _write_loop(self) -> None:
        """Write queued frames, coalescing whatever has piled up into one sendall."""
        queue = self._queue
        while True:
            data = queue.get()
            batch = [data]
            while data is not None and not queue.empty() and len(batch) < 512:
                data = queue.get_nowait()
                batch.append(data)
            end = data is None
            if end:
                batch.pop()
            with self._lock:
                if batch and not self._send(b"".join(batch)):
                    return
            if end:
                return

    def _send(self, data: bytes) -> bool:
        if self.closed:
            return False
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            self.closed = True
            return False

    def _reply(self, text: str, extra: list[tuple[str, str]] | None = None) -> None:
        self._send(wire.command_reply(text, extra))

    def close(self) -> None:
        """Close after whatever is queued has been written."""
        if self.closed:
            return
        self._queue.put(None)
        if self._writer is not None:
            self._writer.join(timeout=1)
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self) -> None:
        """Drop the socket at once (crash)."""
        self.closed = True
        self._queue.put(None)
        try:
            self.sock.close()
        except OSError:
            pass

    def _shutdown(self) -> None:
        self.closed = True
        self._queue.put(None)
        self.sw.connections.discard(self)
        if self._linger_timer is not None:
            self._linger_timer.kill(block=False)
        try:
            self.sock.close()
        except OSError:
            pass
        if self.leg is not None:
            leg = self.leg
            lifecycle.release_tie(self.sw, leg, self)
            if self.outbound and not leg.hungup:
                # the socket app's listener went away: the call ends (async full, no linger)
                lifecycle.hangup(self.sw, leg, "NORMAL_CLEARING")

    def _disconnect(self) -> None:
        """Final disconnect notice, then close."""
        self._queue.put(wire.disconnect_notice(self.leg.uuid if self.leg else None))
        gevent.spawn(self.close)

    # -- events ---------------------------------------------------------------------------------
    def wants(self, ev: SimEvent) -> bool:
        if not self.authed or self.closed:
            return False
        if self.myevents and self.leg is not None and ev.uuid != self.leg.uuid:
            return False
        if ev.name == "CUSTOM":
            ok = self.all_events or ev.subclass in self.customs or "" in self.customs
        else:
            ok = self.all_events or ev.name in self.events
        if not ok:
            return False
        if self.filters:
            return any(ev.get(h) == v for h, v in self.filters)
        return True

    def deliver(self, ev: SimEvent) -> None:
        if self.wants(ev):
            self._queue.put(ev.frame(self.fmt))

    def deliver_log(self, leg: Leg | None, level: int, text: str) -> None:
        if self.closed or self.log_level is None or level > self.log_level:
            return
        if self.leg is not None and self.myevents and (leg is None or leg.uuid != self.leg.uuid):
            return
        now = self.sw.clock.epoch()
        stamp = (
            time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + f".{int(now % 1 * 1e6):06d}"
        )
        line = f"{stamp} 99.00% [{LEVELS.get(level, 'DEBUG')}] switch_channel.c:529 {text}\n"
        self._queue.put(
            wire.log_frame(
                level,
                leg.uuid if leg else "",
                "switch_channel.c",
                "switch_channel_queue_dtmf",
                529,
                line,
            )  # fmt: skip
        )

    def leg_hungup(self, leg: Leg, stage: str) -> None:
        """The tied leg is ending: linger notice (and timer) or disconnect."""
        if self.closed or leg is not self.leg:
            return
        # inbound myevents tie: notice right after CHANNEL_HANGUP; outbound: after HANGUP_COMPLETE
        if (stage == "hangup") == self.outbound:
            return
        if self.linger is None:
            self._disconnect()
            return
        self._queue.put(wire.linger_notice(leg.uuid, leg.name, self.linger))
        if self.linger > 0:
            self._linger_timer = gevent.spawn(self._linger_expire, self.linger)

    def _linger_expire(self, seconds: int) -> None:
        self.sw.clock.sleep(seconds)
        if not self.closed:
            self._disconnect()

    # -- commands --------------------------------------------------------------------------------
    def _handle(self, raw: str) -> None:
        lines = [ln for ln in raw.split("\n")]
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines:
            return
        first = lines[0].strip()
        headers: list[tuple[str, str]] = []
        for ln in lines[1:]:
            name, sep, value = ln.partition(":")
            if sep:
                headers.append((name.strip(), value.strip()))
        cmd, _, arg = first.partition(" ")
        cmd = cmd.lower()
        with self._lock:
            try:
                self._dispatch(cmd, arg.strip(), headers)
            except Exception:  # malformed input must never kill the server
                log.exception("sim: command %r failed", first[:200])
                self._reply("-ERR command failed")

    def _dispatch(self, cmd: str, arg: str, headers: list[tuple[str, str]]) -> None:
        if not self.authed:
            if cmd != "auth":
                self._reply("-ERR command not found")
            elif arg == self.sw.password:
                self.authed = True
                self._reply("+OK accepted")
            else:
                self._reply("-ERR invalid")
                self._disconnect()
            return
        handler = getattr(self, f"_cmd_{cmd}", None)
        if handler is None:
            self._reply("-ERR command not found")
            return
        handler(arg, dict(headers), headers)

    def _cmd_auth(self, arg: str, h: dict[str, str], raw: list) -> None:
        self._reply("+OK accepted" if arg == self.sw.password else "-ERR invalid")

    def _cmd_api(self, arg: str, h: dict[str, str], raw: list) -> None:
        cmd, _, rest = arg.partition(" ")
        self._send(wire.api_response(run_api(self.sw, cmd, rest)))

    def _cmd_bgapi(self, arg: str, h: dict[str, str], raw: list) -> None:
        job = h.get("Job-UUID") or new_uuid()
        cmd, _, rest = arg.partition(" ")
        self._reply(f"+OK Job-UUID: {job}", [("Job-UUID", job)])
        sw = self.sw

        def run() -> None:
            body = run_api(sw, cmd, rest)
            post = [("Job-UUID", job), ("Job-Command", cmd)]
            if rest.strip():
                post.append(("Job-Command-Arg", rest.strip()))
            sw.fire_global("BACKGROUND_JOB", post, body=body)

        gevent.spawn(run)

    def _cmd_event(self, arg: str, h: dict[str, str], raw: list) -> None:
        words = arg.split()
        fmt = "plain"
        if words and words[0].lower() in ("plain", "json", "xml"):
            fmt = words.pop(0).lower()
        if fmt == "xml":
            self._reply("-ERR xml format is not supported by the simulated switch")
            return
        custom, subclasses = False, 0
        for w in words:
            if custom:
                self.customs.add(w)  # every word after CUSTOM is a subclass
                subclasses += 1
            elif w.upper() == "CUSTOM":
                custom = True
            elif w.upper() == "ALL":
                self.all_events = True
            else:
                self.events.add(w.upper())
        if custom and not subclasses:
            self.customs.add("")  # bare CUSTOM: every subclass
        self.fmt = fmt
        self._reply(f"+OK event listener enabled {fmt}")

    def _cmd_nixevent(self, arg: str, h: dict[str, str], raw: list) -> None:
        custom = False
        for w in arg.split():
            if custom:
                self.customs.discard(w)
            elif w.upper() == "CUSTOM":
                custom = True
            elif w.upper() == "ALL":
                self.all_events = False
                self.events.clear()
                self.customs.clear()
            else:
                self.events.discard(w.upper())
                if self.all_events:
                    self.all_events = False
                    self.events = set(_ALL_NAMES) - {w.upper()}
                    self.customs.add("")
        self._reply("+OK events nixed")

    def _cmd_noevents(self, arg: str, h: dict[str, str], raw: list) -> None:
        self.all_events = False
        self.events.clear()
        self.customs.clear()
        self.myevents = False
        self._reply("+OK no longer listening for events")

    def _cmd_filter(self, arg: str, h: dict[str, str], raw: list) -> None:
        words = arg.split(" ", 1)
        if words[0].lower() == "delete" and len(words) > 1:
            name, _, value = words[1].partition(" ")
            if name.lower() == "all":
                self.filters.clear()
            else:
                self.filters = [f for f in self.filters if f != (name, value.strip())]
            self._reply(f"+OK filter deleted. [{name}][{value.strip()}]")
            return
        name, _, value = arg.partition(" ")
        if not name or not value.strip():
            self._reply("-ERR invalid syntax")
            return
        self.filters.append((name, value.strip()))
        self._reply(f"+OK filter added. [{name}]=[{value.strip()}]")

    def _cmd_myevents(self, arg: str, h: dict[str, str], raw: list) -> None:
        words = arg.split()
        if self.leg is None:
            leg = self.sw.get_leg(words[0]) if words else None
            if leg is None:
                self._reply("-ERR invalid uuid")
                return
            self.leg = leg
            leg.tied.append(self)
        if words and words[-1].lower() in ("plain", "json"):
            self.fmt = words[-1].lower()
        self.myevents = True
        self.events |= MYEVENTS
        self._reply("+OK Events Enabled")

    def _cmd_linger(self, arg: str, h: dict[str, str], raw: list) -> None:
        if self.leg is None:
            self._reply("-ERR not controlling a session")
            return
        secs = int(arg) if arg.strip().lstrip("-").isdigit() else -1
        self.linger = secs
        self._reply("+OK will linger" if secs < 0 else f"+OK will linger {secs} seconds")

    def _cmd_nolinger(self, arg: str, h: dict[str, str], raw: list) -> None:
        if self.leg is None:
            self._reply("-ERR not controlling a session")
            return
        self.linger = None
        self._reply("+OK will not linger")

    def _cmd_log(self, arg: str, h: dict[str, str], raw: list) -> None:
        level = int(arg) if arg.strip().isdigit() else 7
        self.log_level = level
        self._reply(f"+OK log level {arg.strip() or level} [{level}]")

    def _cmd_nolog(self, arg: str, h: dict[str, str], raw: list) -> None:
        self.log_level = None
        self._reply("+OK no longer logging")

    def _cmd_exit(self, arg: str, h: dict[str, str], raw: list) -> None:
        self._reply("+OK bye")
        self._disconnect()

    def _cmd_divert_events(self, arg: str, h: dict[str, str], raw: list) -> None:
        self._reply("+OK events diverted" if arg.strip() == "on" else "+OK events not diverted")

    def _cmd_resume(self, arg: str, h: dict[str, str], raw: list) -> None:
        self._reply("+OK")

    def _cmd_getvar(self, arg: str, h: dict[str, str], raw: list) -> None:
        self._reply(self.leg.variables.get(arg.strip(), "") if self.leg else "")

    def _cmd_connect(self, arg: str, h: dict[str, str], raw: list) -> None:
        leg = self.leg
        if not self.outbound or leg is None:
            self._reply("-ERR command not found")
            return
        pairs = base_headers(self.sw, "CHANNEL_DATA", self.sw.next_seq())
        pairs += leg_headers(leg, "CHANNEL_DATA")
        self._send(wire.connect_reply(pairs))

    def _cmd_sendmsg(self, arg: str, h: dict[str, str], raw: list) -> None:
        uuid = arg.strip()
        leg = self.sw.get_leg(uuid) if uuid else self.leg
        if leg is None or leg.hungup:
            self._reply(f"-ERR invalid session id [{uuid}]")
            return
        lower = {k.lower(): v for k, v in h.items()}
        command = lower.get("call-command", "execute").lower()
        if command == "hangup":
            msg = Message("hangup", arg=lower.get("hangup-cause", "NORMAL_CLEARING"))
        elif command == "execute":
            loops = lower.get("loops", "1")
            msg = Message(
                "execute",
                lower.get("execute-app-name", ""),
                lower.get("execute-app-arg", ""),
                lower.get("event-uuid") or new_uuid(),
                headers=[("Command", f"sendmsg {uuid}".strip())] + list(raw),
                loops=int(loops) if loops.isdigit() else 1,
            )
        elif command == "unpark":
            lifecycle.end_park(self.sw, leg)
            self._reply("+OK")
            return
        else:
            self._reply("-ERR invalid command")
            return
        self.sw.sendmsg(leg, msg)
        self._reply("+OK")


_ALL_NAMES = frozenset(
    "CHANNEL_CREATE CHANNEL_DESTROY CHANNEL_STATE CHANNEL_CALLSTATE CHANNEL_ANSWER "
    "CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE "
    "CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_PARK "
    "CHANNEL_UNPARK CHANNEL_DATA DTMF PLAYBACK_START PLAYBACK_STOP RECORD_START RECORD_STOP "
    "MEDIA_BUG_START MEDIA_BUG_STOP BACKGROUND_JOB PRIVATE_COMMAND API HEARTBEAT".split()
)

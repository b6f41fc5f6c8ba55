"""One ESL client connection: inbound (auth, api, events...) or outbound (connect, sendmsg...)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import gevent
from gevent.lock import RLock
from gevent.queue import Queue

from . import filters, lifecycle, wire
from .commands import Commands
from .events import SimEvent
from .legs import Leg

if TYPE_CHECKING:
    from .switch import SimSwitch

log = logging.getLogger(__name__)

MAX_COMMAND = 1 << 20
LEVELS = {
    0: "CONSOLE",
    1: "ALERT",
    2: "CRIT",
    3: "ERR",
    4: "WARNING",
    5: "NOTICE",
    6: "INFO",
    7: "DEBUG",
}


class Connection(Commands):
    """Socket I/O, subscriptions and delivery; the commands live in `commands.Commands`."""

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
        self.sw.subscriptions_changed()
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
            self.sw.subscriptions_changed()
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
        self.sw.subscriptions_changed()
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self) -> None:
        """Drop the socket at once (crash)."""
        self.closed = True
        self.sw.subscriptions_changed()
        self._queue.put(None)
        try:
            self.sock.close()
        except OSError:
            pass

    def _shutdown(self) -> None:
        self.closed = True
        self._queue.put(None)
        self.sw.connections.discard(self)
        self.sw.subscriptions_changed()
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
    def subscribed(self, name: str) -> bool:
        """Whether events of this name may reach this connection (`wants` then filters)."""
        if not self.authed or self.closed:
            return False
        return name == "CUSTOM" or self.all_events or name in self.events

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
        if self.filters:  # mod_event_socket.c's semantics: see calldesk.sim.filters
            return filters.passes(ev.first, self.filters)
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
            )
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

"""greenswitch's InboundESL, with its gaps covered. One instance is one TCP connection.

greenswitch supplies the socket set-up, the auth handshake and the FIFO of reply futures. What it
lacks, and what this subclass adds (each marked GAP below):
  GAP 1: its parser unquotes the whole frame and folds bodies into headers -> our FrameReader.
  GAP 2: `send()` has no timeout -> `send_frame(raw, timeout)`, writes under a lock.
  GAP 3: handlers are dispatched serially, one slow handler stalls all -> `on_event` callback;
         the owner (SwitchConnection) fans events out to per-leg lanes.
  GAP 4: no reconnect -> `on_close` callback; SwitchConnection reconnects and resyncs.
"""

from __future__ import annotations

import logging
import socket as _socket
from collections.abc import Callable
from typing import cast

import gevent
import gevent.event
import gevent.lock
import greenswitch.esl as gs
from gevent import socket

from calldesk.errors import CommandTimeout, NotConnected
from calldesk.esl import commands
from calldesk.esl.frames import Frame, FrameReader

log = logging.getLogger(__name__)

# The reader yields after every second frame of a chunk: API requests and pushes ready meanwhile
# run between them. Measured on the quiet box with `bench api` (50 calls/s, 200 requests/s):
# every 16 frames API p99 81 ms, every 4 53 ms, every 2 36 ms; a 5 ms time budget instead, 75 ms.
# While callers' events come late (`SwitchConnection.pace`), intake comes first: every 16 frames
# (on the quiet box `bench inbound` then sheds from 225 calls/s instead of 150).
YIELD_EVERY_FRAMES = 2
YIELD_EVERY_FRAMES_BEHIND = 16

REPLY_TYPES = ("command/reply", "api/response")


class ESLProtocol(gs.InboundESL):
    """One authenticated inbound ESL connection. Replies resolve futures; events go to `on_event`."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        *,
        connect_timeout: float = 5.0,
        on_event: Callable[[Frame], None] | None = None,
        on_close: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(host, port, password, timeout=connect_timeout)
        self.reader = FrameReader()
        self.on_event = on_event or (lambda frame: None)
        self.on_close = on_close or (lambda reason: None)
        self._write_lock = gevent.lock.Semaphore()
        self._closed = False
        self.frames_in = 0
        self.last_frame_at = 0.0
        self.yield_every = YIELD_EVERY_FRAMES  # frames read between two yields
        self.disconnect_notice: Frame | None = None
        self._sent_at: list[float] = []  # send time of each command still waiting for its reply
        self._sent_what: list[bytes] = []  # and the command (a stall names its first line)
        self._expect: list[str] = []  # the reply type each waiting command gets

    # -- greenswitch hooks -------------------------------------------------
    def start_event_handlers(self) -> None:
        # GAP 3: no serial process_events greenlet; only our reader.
        self._receive_events_greenlet = gevent.spawn(self.receive_events)

    def receive_events(self) -> None:
        # GAP 1: read raw bytes and let the sans-IO reader frame them.
        reason = "closed by switch"
        try:
            while self._run:
                data = self.sock.recv(65536)
                if not data:
                    break
                every = self.yield_every
                for n, frame in enumerate(self.reader.feed(data), 1):
                    self.frames_in += 1
                    self.last_frame_at = gevent.get_hub().loop.now()
                    try:
                        self._dispatch(frame)
                    except Exception:  # a bad frame must never kill the reader
                        log.exception("ESL frame handling failed: %r", frame.headers)
                    if n % every == 0:  # a backlog's chunk holds dozens of events:
                        gevent.sleep(0)  # let API requests and pushes run between them
                # While data keeps arriving recv() never blocks, so yield once per chunk: the
                # lanes and the services woken by these frames get to run (measured: enqueue ->
                # originate p99 125 ms -> 18 ms under load).
                gevent.sleep(0)
        except OSError as exc:
            reason = f"socket error: {exc}"
        finally:
            self._shutdown(reason)

    def _dispatch(self, frame: Frame) -> None:
        ctype = frame.content_type
        if ctype == "auth/request":
            self._auth_request_event.set()
        elif ctype in REPLY_TYPES:
            if self._commands_sent and self._expect[0] == ctype:
                self._sent_at.pop(0)
                self._sent_what.pop(0)
                self._expect.pop(0)
                self._commands_sent.pop(0).set(frame)
            elif self._commands_sent:  # `api` gets api/response, the rest command/reply
                log.warning(
                    "ESL %s while a %s was due; skipped: %r",
                    ctype,
                    self._expect[0],
                    frame.headers.items(),
                )
            else:
                log.warning("ESL reply with no command waiting: %r", frame.headers.items())
        elif ctype == "text/disconnect-notice":
            self.disconnect_notice = frame
            if frame.headers.get("Content-Disposition") == "linger":
                self._lingering = True
            self.on_event(frame)
        elif ctype == "text/rude-rejection":
            log.error("ESL connection rejected: %s", frame.text.strip())
            self.connected = False
            self._auth_request_event.set()
        else:
            self.on_event(frame)

    def _shutdown(self, reason: str) -> None:
        if self._closed:
            return
        self._closed = True
        self._run = False
        self.connected = False
        self._auth_request_event.set()
        for pending in self._commands_sent:
            pending.set_exception(NotConnected(f"connection lost: {reason}"))
        self._commands_sent.clear()
        self._sent_at.clear()
        self._sent_what.clear()
        self._expect.clear()
        sock = getattr(self, "sock", None)  # absent when the connect itself failed
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
        self.on_close(reason)

    # -- commands -------------------------------------------------------------
    def send_frame(self, raw: bytes, timeout: float) -> Frame:
        """Write one command and wait for its reply frame (GAP 2: with a timeout)."""
        if not self.connected or self._closed:
            raise NotConnected("not connected")
        if gevent.getcurrent() is self._receive_events_greenlet:
            # Its reply can only be read by this greenlet: it would wait out its timeout.
            log.error("command sent from the ESL reader itself: %r", raw[:120], stack_info=True)
        result: gevent.event.AsyncResult[Frame] = gevent.event.AsyncResult()
        with self._write_lock:
            self._commands_sent.append(result)
            self._sent_at.append(gevent.get_hub().loop.now())
            self._sent_what.append(raw)
            self._expect.append("api/response" if raw.startswith(b"api ") else "command/reply")
            try:
                self._write(raw, timeout)
            except gevent.Timeout as exc:
                # A half-written command corrupts the stream: drop the connection.
                self._shutdown("write timed out")
                raise CommandTimeout(f"write timed out after {timeout}s") from exc
            except OSError as exc:
                self._shutdown(f"write failed: {exc}")
                raise NotConnected(f"write failed: {exc}") from exc
        try:
            return cast(Frame, result.get(timeout=timeout))
        except gevent.Timeout as exc:
            # The future stays queued so the late reply still pairs with it; only this command fails.
            first_line = raw.split(b"\n", 1)[0]
            raise CommandTimeout(f"no reply in {timeout}s to {first_line!r}") from exc

    def _write(self, raw: bytes, timeout: float) -> None:
        """The kernel takes a command whole at once unless the switch stopped reading: try that
        without arming a timer (a gevent Timeout per command was ~1% of the controller's CPU),
        and only wait, bounded, for what it did not take."""
        sock = getattr(self.sock, "_sock", None)  # gevent's own non-blocking socket
        sent = 0
        if sock is not None:
            try:
                sent = sock.send(raw)
            except BlockingIOError:
                sent = 0
        if sent < len(raw):
            with gevent.Timeout(timeout):
                self.sock.sendall(memoryview(raw)[sent:])

    def connect(self) -> None:
        """GAP 5: greenswitch waits for auth/request forever; here it is bounded."""
        try:
            self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise NotConnected(f"cannot reach {self.host}:{self.port}: {exc}") from exc
        self.sock.settimeout(None)
        self.sock_file = self.sock.makefile("rb")  # greenswitch's stop() closes it
        self.connected = True
        self.start_event_handlers()
        if not self._auth_request_event.wait(timeout=self.timeout):
            self._shutdown("no auth/request")
            raise CommandTimeout(f"no auth/request from {self.host}:{self.port} in {self.timeout}s")
        if not self.connected:
            raise NotConnected(f"{self.host}:{self.port} closed the connection before auth")
        self.authenticate()

    def send(self, data: str) -> Frame:  # greenswitch's authenticate() calls this
        return self.send_frame((data + "\n\n").encode(), timeout=self.timeout)

    def authenticate(self) -> None:
        reply = self.send_frame(commands.auth(self.password), timeout=self.timeout)
        if reply.reply_text != "+OK accepted":
            self._shutdown("authentication refused")
            raise NotConnected(f"authentication refused: {reply.reply_text}")

    def pending_commands(self) -> int:
        return len(self._commands_sent)

    def oldest_pending_age(self) -> float:
        """Seconds the oldest unanswered command has waited (0 if none)."""
        if not self._sent_at:
            return 0.0
        return gevent.get_hub().loop.now() - self._sent_at[0]

    def behind(self, within: float) -> bool:
        """The switch is still talking: a frame was read in the last `within` seconds, or bytes
        wait unread in the socket. A reply missing while that holds is queued behind events this
        controller has not read yet (a starved box), not a dead switch: FreeSWITCH's listener
        sends its events from the thread that runs an `api`, so a hung command silences both."""
        if gevent.get_hub().loop.now() - self.last_frame_at < within:
            return True
        sock = getattr(getattr(self, "sock", None), "_sock", None)
        if sock is None:
            return False
        try:
            return bool(sock.recv(1, _socket.MSG_PEEK | _socket.MSG_DONTWAIT))
        except OSError:  # nothing waiting (BlockingIOError), or the socket is gone
            return False

    def oldest_pending(self) -> str:
        """The first line of the oldest unanswered command ('' if none)."""
        if not self._sent_what:
            return ""
        return self._sent_what[0].split(b"\n", 1)[0][:120].decode("utf-8", "replace")

    def close(self) -> None:
        self._shutdown("closed by controller")

"""A server-side WebSocket (RFC 6455) for push, on the socket gevent's server accepted.

Push only sends: each event's frame is built once (`text_frame`) and the same bytes are written
to every client that follows it. No extension is negotiated (permessage-deflate would compress
every message once per client). What the client sends is read by wsproto in the reader
greenlet: a ping is answered, a close ends the stream; messages are ignored.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from typing import Any

import gevent
import gevent.lock
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, Ping
from wsproto.utilities import generate_accept_token

SEND_TIMEOUT_S = 10.0  # a client that takes no bytes for this long is dropped
PING = b"\x89\x00"


class HandshakeError(Exception):
    pass


def text_frame(payload: bytes) -> bytes:
    """One unmasked, unfragmented text frame (server to client)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x81, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 127, n)
    return head + payload


def close_frame(code: int, reason: str = "") -> bytes:
    body = struct.pack("!H", code) + reason.encode()[:120]
    return struct.pack("!BB", 0x88, len(body)) + body


def accept_key(key: str) -> str:
    return generate_accept_token(key.encode()).decode()


def raw_socket(environ: dict[str, Any]) -> socket.socket:
    """The connection's socket under gevent's WSGI server (as simple-websocket finds it)."""
    rfile = environ["wsgi.input"]
    if not hasattr(rfile, "raw") and hasattr(rfile, "rfile"):
        rfile = rfile.rfile
    sock = getattr(getattr(rfile, "raw", None), "_sock", None)
    if sock is None:
        raise HandshakeError("no socket under this server")
    return sock.dup()


class PushSocket:
    """Handshake done in the constructor; `send(bytes)` writes whole frames or raises OSError;
    `on_close` runs when the client closes or goes away."""

    def __init__(self, environ: dict[str, Any], on_close: Callable[[], None]) -> None:
        if environ.get("HTTP_SEC_WEBSOCKET_VERSION", "") != "13":
            raise HandshakeError("Sec-WebSocket-Version must be 13")
        key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "")
        if len(key) < 16:
            raise HandshakeError("Sec-WebSocket-Key missing")
        self.sock = raw_socket(environ)
        self.connected = True
        self._on_close = on_close
        self._lock = gevent.lock.Semaphore()  # the stream's frames and the reader's pongs
        self.send(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept_key(key).encode() + b"\r\n\r\n"
        )
        self._reader = gevent.spawn(self._read)

    def send(self, data: bytes) -> None:
        if not self.connected:
            raise OSError("closed")
        with self._lock, gevent.Timeout(SEND_TIMEOUT_S, OSError("the client takes no data")):
            self.sock.sendall(data)

    def _read(self) -> None:
        ws = Connection(ConnectionType.SERVER)
        try:
            while self.connected:
                data = self.sock.recv(4096)
                if not data:
                    break
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, Ping):
                        self.send(ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        return
        except Exception:  # noqa: BLE001 - a broken or rude client: it is gone either way
            pass
        finally:
            self.connected = False
            self._on_close()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame, stop reading and end the TCP connection shortly after (time for
        the client's close frame, which the server would else read as a next HTTP request)."""
        if self.connected:
            self.connected = False
            try:
                with gevent.Timeout(1.0):
                    self.sock.sendall(close_frame(code, reason))
            except (OSError, gevent.Timeout):
                pass
        self._reader.kill(block=False)
        gevent.spawn_later(1.0, _shutdown, self.sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()

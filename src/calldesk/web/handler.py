"""gevent's WSGI request handler: Nagle's algorithm off on every accepted connection, a
response in one send, and two costs per request less.

pywsgi writes a response's headers and its body in two sends. With Nagle on, the body waits
for the client to acknowledge the headers, and a client that is still waiting for the body
delays that acknowledgement (up to 40 ms on Linux): every request on a kept-alive connection,
and every WebSocket push that follows another one closely, waited about 40 ms. TCP_NODELAY
sends each write at once (what nginx's `tcp_nodelay` and most HTTP clients do).

Two sends are also two segments, each a full trip through the TCP stack: the headers and a
body of up to 64 KiB now go out in one. The request's header block is parsed by a plain line
split instead of the standard library's e-mail parser (the same limits: 64 KiB a line, 100
headers; the same answers to what pywsgi asks of it), and no access-log line is formatted for
a log that is off (requests are counted in `/metrics` and journaled by the API)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

from gevent.pywsgi import WSGIHandler

MAX_LINE = 65536  # http.client's limits
MAX_HEADERS = 100
ONE_SEND = 64 * 1024  # a body up to this size goes out with the headers


def nodelay(sock: Any) -> None:
    """Nagle's algorithm off on a TCP socket (a Unix socket has no such option: left alone)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


class Headers:
    """What pywsgi reads of a request's headers (`get`, `getheader`, `typeheader`, `headers`,
    `status`, `del`); names are matched without regard to case, the first one wins."""

    __slots__ = ("_items", "_first", "status")

    def __init__(self) -> None:
        self._items: list[tuple[str, str]] = []
        self._first: dict[str, str] = {}  # lower-case name -> its first value
        self.status = ""

    def get(self, name: str, default: Any = None) -> Any:
        return self._first.get(name.lower(), default)

    getheader = get

    def __delitem__(self, name: str) -> None:
        name = name.lower()
        self._first.pop(name, None)
        self._items = [(k, v) for k, v in self._items if k.lower() != name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    @property
    def typeheader(self) -> str | None:
        return self._first.get("content-type")

    @property
    def headers(self) -> Iterator[str]:
        for key, value in self._items:
            yield f"{key}: {value}\r\n"


def parse_headers(fp: Any) -> Headers:
    """Header lines up to the empty line; a folded line continues the one before it. A line
    too long, too many headers or a line without a colon sets `status` (pywsgi answers 400)."""
    out = Headers()
    items = out._items
    while True:
        line = fp.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            out.status = "Line too long"
            break
        if line in (b"\r\n", b"\n", b""):
            break
        text = line.decode("iso-8859-1")
        if text[:1] in (" ", "\t") and items:
            key, value = items[-1]
            items[-1] = (key, f"{value} {text.strip()}")
            continue
        key, colon, value = text.partition(":")
        if not colon or not key or key != key.strip():
            out.status = "Invalid header line"
            break
        if len(items) >= MAX_HEADERS:
            out.status = "Too many headers"
            break
        items.append((key, value.strip()))
    for key, value in items:
        out._first.setdefault(key.lower(), value)
    return out


class Handler(WSGIHandler):
    def __init__(self, sock: Any, address: Any, server: Any, *args: Any) -> None:
        nodelay(sock)
        super().__init__(sock, address, server, *args)

    def MessageClass(self, fp: Any, *args: Any) -> Any:  # noqa: N802 - pywsgi's name
        return parse_headers(fp)  # pywsgi calls it as MessageClass(rfile, 0)

    def _headers(self) -> Iterator[tuple[str, str]]:
        """The `HTTP_*` environ pairs from the parsed pairs, as pywsgi makes them from the
        header lines (a name with `_` is dropped, type and length have their own keys)."""
        for key, value in self.headers._items:  # type: ignore[attr-defined]
            if "_" in key:
                continue
            key = key.replace("-", "_").upper()
            if key != "CONTENT_TYPE" and key != "CONTENT_LENGTH":
                yield "HTTP_" + key, value

    def _write_with_headers(self, data: bytes) -> None:
        """The status line, the headers and a body of up to `ONE_SEND` bytes in one send (one
        TCP segment, where pywsgi makes two), unless the body goes chunked."""
        h: Any = self  # pywsgi's internals (status and headers are latin-1 bytes by now)
        h.headers_sent = True
        h.finalize_headers()
        head = bytearray(b"HTTP/1.1 ")
        head += h.status
        head += b"\r\n"
        for name, value in h.response_headers:
            head += name
            head += b": "
            head += value
            head += b"\r\n"
        head += b"\r\n"
        if data and not h.response_use_chunked and len(data) <= ONE_SEND:
            head += data
            h._sendall(head)
            return
        h._sendall(head)
        h._write(data)

    def log_request(self) -> None:
        if type(self.server.log).__name__ != "_NoopLog":  # a log was configured
            super().log_request()

"""The HTTP server's request handler: its header parser answers pywsgi's questions as the
standard library's parser does (and refuses what that one lets through), and every accepted
connection has Nagle's algorithm off."""

from __future__ import annotations

import http.client
import io
import socket

import gevent
import pytest
from gevent.pywsgi import WSGIServer, headers_factory

from calldesk.web.handler import MAX_HEADERS, MAX_LINE, Handler, nodelay, parse_headers
from calldesk.web.wsock import raw_socket

BLOCKS = [
    b"Host: a\r\nAuthorization: Bearer cdk_x_y \r\nContent-Type: application/json\r\n"
    b"Content-Length: 12\r\nx-a: 1\r\nX-A: 2\r\n\r\nthe body",
    b"\r\n",
    b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc==\r\n\r\n",
    b"A:b\nTransfer-Encoding: chunked\n\n",
]


def environ_pairs(headers) -> list[tuple[str, str]]:
    """What pywsgi makes of the header lines (`WSGIHandler._headers`): name, stripped value."""
    out = []
    for line in headers.headers:
        key, _, value = line.partition(":")
        out.append((key, value.strip()))
    return out


@pytest.mark.parametrize("raw", BLOCKS)
def test_same_answers_as_the_standard_parser(raw: bytes) -> None:
    ours, std = parse_headers(io.BytesIO(raw)), headers_factory(io.BytesIO(raw))
    assert ours.status == std.status == ""
    assert environ_pairs(ours) == environ_pairs(std)
    for name in ("host", "AUTHORIZATION", "x-a", "content-length", "connection", "nope"):
        want = std.get(name)
        assert ours.get(name) == (want.strip() if want is not None else None)  # pywsgi strips
        assert ours.getheader(name, "dflt") == (want.strip() if want is not None else "dflt")
        assert (name in ours) == (name in std)
    assert ours.typeheader == std.typeheader
    del ours["x-a"], std["x-a"]  # pywsgi deletes content-length under chunked encoding
    assert ours.get("x-a") is None and environ_pairs(ours) == environ_pairs(std)


def test_the_body_is_left_to_be_read() -> None:
    fp = io.BytesIO(BLOCKS[0])
    parse_headers(fp)
    assert fp.read() == b"the body"


def test_a_folded_line_continues_the_header_before_it() -> None:
    h = parse_headers(io.BytesIO(b"X-Long: one\r\n  two\r\n\tthree\r\nY: 1\r\n\r\n"))
    assert h.get("x-long") == "one two three" and h.get("y") == "1" and h.status == ""


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"X: " + b"a" * MAX_LINE + b"\r\n\r\n", "Line too long"),
        (b"".join(b"H%d: v\r\n" % i for i in range(MAX_HEADERS + 1)) + b"\r\n", "Too many headers"),
        (b"no colon here\r\n\r\n", "Invalid header line"),
        (b"Host : spaced\r\n\r\n", "Invalid header line"),
        (b": empty name\r\n\r\n", "Invalid header line"),
    ],
)
def test_what_is_refused_sets_the_status(raw: bytes, status: str) -> None:
    assert parse_headers(io.BytesIO(raw)).status == status


def test_nodelay_on_tcp_and_harmless_elsewhere() -> None:
    with socket.create_server(("127.0.0.1", 0)) as srv:
        c = socket.create_connection(srv.getsockname())
        s, _ = srv.accept()
        assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        nodelay(s)
        assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        s.close()
        c.close()
    a, b = socket.socketpair()
    nodelay(a)  # a Unix socket: no such option, no error
    a.close()
    b.close()


def _serve(app):
    server = WSGIServer(("127.0.0.1", 0), app, log=None, handler_class=Handler)
    server.start()
    return server


def _in_thread(fn):
    box: dict = {}
    g = gevent.get_hub().threadpool.spawn(fn)
    while not g.ready():
        gevent.sleep(0.005)
    box["r"] = g.get()
    return box["r"]


def test_served_connections_have_nodelay_and_stay_open() -> None:
    def app(environ, start_response):
        sock = raw_socket(environ)
        flag = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        body = f"{flag} {environ.get('HTTP_AUTHORIZATION')} {environ.get('CONTENT_TYPE')}"
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body.encode()]

    server = _serve(app)
    try:

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
            out = []
            for method in ("GET", "POST", "GET"):
                body = b"{}" if method == "POST" else None
                conn.request(
                    method,
                    "/",
                    body=body,
                    headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
                )
                r = conn.getresponse()
                out.append((r.status, r.read().decode(), id(conn.sock)))
            conn.close()
            return out

        got = _in_thread(client)
    finally:
        server.stop()
    assert [g[:2] for g in got] == [(200, "1 Bearer t application/json")] * 3
    assert len({g[2] for g in got}) == 1  # one connection, kept alive


def test_a_bad_header_line_is_a_400_not_a_500() -> None:
    server = _serve(lambda e, s: (s("200 OK", []), [b"x"])[1])
    try:

        def client():
            with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nbroken line\r\n\r\n")
                return s.recv(100)

        first = _in_thread(client)
    finally:
        server.stop()
    assert first.startswith(b"HTTP/1.1 400")


def test_a_small_answer_goes_out_in_one_send_a_large_or_chunked_one_as_before() -> None:
    sends: list[int] = []

    class Counting(Handler):
        def _sendall(self, data):
            sends.append(len(data))
            return super()._sendall(data)

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/chunked":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return (part for part in (b"a", b"b"))  # no length: chunked
        body = b"y" * (200_000 if path == "/large" else 8)
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    server = WSGIServer(("127.0.0.1", 0), app, log=None, handler_class=Counting)
    server.start()
    try:

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
            out = []
            for path in ("/small", "/large", "/chunked", "/small"):
                sends.clear()
                conn.request("GET", path)
                r = conn.getresponse()
                out.append((path, r.status, r.read(), list(sends)))
            conn.close()
            return out

        got = _in_thread(client)
    finally:
        server.stop()
    small, large, chunked, again = got
    assert small[1:3] == (200, b"y" * 8) and len(small[3]) == 1 and again[3] == small[3]
    assert large[2] == b"y" * 200_000 and len(large[3]) == 2 and large[3][1] == 200_000
    assert chunked[2] == b"ab" and len(chunked[3]) > 2


@pytest.mark.parametrize("raw", [*BLOCKS, b"X_Bad: 1\r\nA-B: 2\r\n  more\r\nCookie: a=1\r\n\r\n"])
def test_environ_pairs_as_pywsgi_makes_them(raw: bytes) -> None:
    from gevent.pywsgi import WSGIHandler

    ours, theirs = Handler.__new__(Handler), WSGIHandler.__new__(WSGIHandler)
    ours.headers = theirs.headers = parse_headers(io.BytesIO(raw))
    assert list(ours._headers()) == list(theirs._headers())

"""The test and benchmark WebSocket client keeps frames that arrive in the same read as the
server's 101 response (simple-websocket's own Client leaves them parsed but undelivered, which
made the chat reconnect tests hang in some orders). A real TCP server on loopback writes the
response and the first frames with one sendall, as a busy server's kernel may deliver them."""

from __future__ import annotations

import socket
import threading

import pytest
from simple_websocket import ConnectionClosed
from wsproto.handshake import generate_accept_token

from calldesk.bench.wsclient import connect


def _text(payload: str) -> bytes:
    data = payload.encode()
    assert len(data) < 126
    return bytes([0x81, len(data)]) + data


def _serve_once(frames: bytes, closes: bool = False) -> tuple[socket.socket, threading.Thread]:
    listener = socket.create_server(("127.0.0.1", 0))

    def run() -> None:
        conn, _ = listener.accept()
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
            key = next(
                line.split(b":", 1)[1].strip()
                for line in request.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")
            )
            accept = generate_accept_token(key)
            conn.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n" + frames
            )
            if not closes:
                conn.recv(4096)  # the client's close; else the server ends the stream now

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return listener, t


def test_frames_sent_with_the_upgrade_response_are_received() -> None:
    listener, t = _serve_once(_text("first") + _text("second"))
    port = listener.getsockname()[1]
    ws = connect(f"ws://127.0.0.1:{port}/x")
    try:
        assert ws.receive(timeout=5) == "first"
        assert ws.receive(timeout=5) == "second"
    finally:
        ws.close()
        t.join(5)
        listener.close()


def test_a_close_right_behind_the_upgrade_keeps_its_frames_and_its_code() -> None:
    close = bytes([0x88, 2 + 4]) + (4429).to_bytes(2, "big") + b"busy"
    listener, t = _serve_once(_text("last words") + close, closes=True)
    port = listener.getsockname()[1]
    ws = connect(f"ws://127.0.0.1:{port}/x")
    try:
        assert ws.receive(timeout=5) == "last words"
        with pytest.raises(ConnectionClosed) as info:
            ws.receive(timeout=5)
        assert (info.value.reason, info.value.message) == (4429, "busy")
    finally:
        t.join(5)
        listener.close()



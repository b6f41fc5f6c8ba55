"""A command is written whole: at once when the kernel takes it, else waited for, bounded."""

from __future__ import annotations

import gevent
import gevent.socket
import pytest

from calldesk.esl.protocol import ESLProtocol


def _protocol_on(sock: gevent.socket.socket) -> ESLProtocol:
    proto = ESLProtocol.__new__(ESLProtocol)  # only the socket matters to _write
    proto.sock = sock
    return proto


def test_a_command_larger_than_the_socket_buffer_arrives_whole() -> None:
    a, b = gevent.socket.socketpair()
    payload = bytes(range(256)) * 16384  # 4 MiB: more than the kernel takes at once
    got = bytearray()

    def read() -> None:
        while len(got) < len(payload):
            gevent.sleep(0.001)  # a slow reader: the writer must wait for it
            got.extend(b.recv(65536))

    reader = gevent.spawn(read)
    _protocol_on(a)._write(payload, timeout=10)
    reader.join(timeout=10)
    assert bytes(got) == payload
    a.close()
    b.close()


def test_a_peer_that_stops_reading_times_the_write_out() -> None:
    a, b = gevent.socket.socketpair()
    with pytest.raises(gevent.Timeout):
        _protocol_on(a)._write(b"x" * (8 << 20), timeout=0.2)
    a.close()
    b.close()

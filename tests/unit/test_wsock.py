"""The push socket's frames and handshake token, against RFC 6455 and wsproto's reader."""

from __future__ import annotations

from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, TextMessage

from calldesk.web.wsock import accept_key, close_frame, text_frame


def test_accept_key_is_the_rfc_example() -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_frames_of_every_length_class_read_back_with_wsproto() -> None:
    client = Connection(ConnectionType.CLIENT)
    texts = ["x" * 5, "é" * 100, "y" * 300, "z" * 70000]
    client.receive_data(b"".join(text_frame(t.encode()) for t in texts) + close_frame(1008, "slow"))
    got, closed = [], None
    for event in client.events():
        if isinstance(event, TextMessage):
            got.append(event.data)
        elif isinstance(event, CloseConnection):
            closed = (event.code, event.reason)
    assert "".join(got) == "".join(texts) and closed == (1008, "slow")

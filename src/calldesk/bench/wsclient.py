"""simple-websocket's Client, keeping the frames that arrive in the same read as the server's
`101 Switching Protocols`.

simple-websocket 1.1's `Client.handshake` reads one chunk, takes the first wsproto event (the
accept) and leaves every frame parsed after it in wsproto's buffer; its reader thread then
blocks on the socket, so those frames surface only if more data comes. A server that sends
right after the upgrade (calldesk's chat socket replays what the visitor missed, the push
socket replays `since`) then looks silent to that client whenever the kernel delivers the
response and the first frames in one read, which happens under load. Browsers do not do
this. This client moves those frames to its input buffer before its reader starts. Used by
the benchmark clients and by the tests.
"""

from __future__ import annotations

from typing import Any

from simple_websocket import Client


class WholeClient(Client):
    def handshake(self) -> None:
        super().handshake()
        # Frames behind the accept: buffered now. A close among them leaves `connected` on so
        # that the constructor succeeds; the reader then meets the end of the stream, and
        # `receive` returns the buffered frames before raising ConnectionClosed with the code.
        self._handle_events()
        self.connected = True


def connect(url: str, **kw: Any) -> WholeClient:
    return WholeClient(url, **kw)

"""A small raw-socket ESL client for driving the simulated switch in tests."""

from __future__ import annotations

import gevent
from gevent import socket

from calldesk.esl.frames import Frame, FrameReader


class RawClient:
    """Writes raw commands, collects every frame the switch sends (parsed by the project reader)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = FrameReader()
        self.frames: list[Frame] = []
        self.closed = False
        self._g = gevent.spawn(self._read)

    @classmethod
    def connect(cls, port: int, host: str = "127.0.0.1") -> RawClient:
        return cls(socket.create_connection((host, port)))

    def _read(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.closed = True
                return
            self.frames.extend(self.reader.feed(data))

    def send(self, text: str) -> None:
        self.sock.sendall(text.encode())

    def wait_for(self, pred, timeout: float = 5.0, start: int = 0) -> Frame:  # type: ignore[no-untyped-def]
        """The first frame (from index `start`) matching `pred`; fails after `timeout` wall s."""
        with gevent.Timeout(timeout, AssertionError(f"no matching frame in {timeout}s")):
            while True:
                for f in self.frames[start:]:
                    if pred(f):
                        return f
                gevent.sleep(0.002)

    def command(self, text: str, timeout: float = 5.0) -> Frame:
        """Send one command and return its reply (command/reply or api/response)."""
        n = len(self.frames)
        self.send(text)
        return self.wait_for(
            lambda f: f.content_type in ("command/reply", "api/response"), timeout, start=n
        )

    def wait_event(self, name: str, timeout: float = 5.0, start: int = 0, **headers: str) -> Frame:
        def match(f: Frame) -> bool:
            ev = f.event() if f.content_type.startswith("text/event") else None
            if ev is None or ev.name != name:
                return False
            return all(ev.get(k.replace("_", "-")) == v for k, v in headers.items())

        return self.wait_for(match, timeout, start)

    def events(self) -> list:  # type: ignore[type-arg]
        return [f.event() for f in self.frames if f.content_type.startswith("text/event")]

    def wait_closed(self, timeout: float = 5.0) -> None:
        with gevent.Timeout(timeout, AssertionError("socket not closed")):
            while not self.closed:
                gevent.sleep(0.002)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
        self._g.kill(block=False)

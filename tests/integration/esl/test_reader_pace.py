"""The reader's pace: it yields to the other greenlets every second frame of a chunk, and every
16th while the controller reads callers' events late (`SwitchConnection.pace`)."""

from __future__ import annotations

import gevent
import gevent.socket
import pytest

from calldesk.esl.connection import SwitchConnection, SwitchSettings
from calldesk.esl.protocol import YIELD_EVERY_FRAMES, YIELD_EVERY_FRAMES_BEHIND, ESLProtocol
from calldesk.sim import SimSwitch

PASSWORD = "test-reader-pace-pw"


def _frames(n: int) -> bytes:
    out = b""
    for i in range(n):
        body = f"Event-Name: CHANNEL_CREATE\nUnique-ID: leg-{i}\n\n".encode()
        out += b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(body) + body
    return out


def _runs_seen_by_others(yield_every: int, frames: int = 64) -> list[int]:
    """How many frames the reader handled between two turns of another greenlet."""
    a, b = gevent.socket.socketpair()
    handled: list[str] = []
    proto = ESLProtocol("127.0.0.1", 1, "unused", on_event=lambda f: handled.append("x"))
    proto.sock, proto._run, proto.yield_every = a, True, yield_every
    b.sendall(_frames(frames))  # one chunk: the reader gets them all in one recv
    b.close()
    seen: list[int] = []

    def other() -> None:
        while len(handled) < frames:
            seen.append(len(handled))
            gevent.sleep(0)

    watcher = gevent.spawn(other)
    reader = gevent.spawn(proto.receive_events)
    gevent.joinall([reader, watcher], timeout=10)
    a.close()
    assert len(handled) == frames
    return sorted({n for n in seen if n})


@pytest.mark.parametrize("every", [YIELD_EVERY_FRAMES, YIELD_EVERY_FRAMES_BEHIND])
def test_the_reader_lets_others_run_every_n_frames(every: int) -> None:
    assert _runs_seen_by_others(every) == list(range(every, 64, every))


def test_pace_sets_the_live_reader_and_the_next_one(tmp_path) -> None:
    sim = SimSwitch(password=PASSWORD, recordings_dir=tmp_path).start()
    conn = SwitchConnection(SwitchSettings("sw", "127.0.0.1", sim.port, PASSWORD))
    try:
        conn.pace(True)  # before the link exists: the reader it makes starts at that pace
        assert conn.start(wait=5)
        assert conn._proto is not None and conn._proto.yield_every == YIELD_EVERY_FRAMES_BEHIND
        conn.pace(False)
        assert conn._proto.yield_every == YIELD_EVERY_FRAMES
    finally:
        conn.stop()
        sim.stop()

"""The sim's wire output for a scripted call, byte for byte, against a golden capture.

The capture (tests/fixtures/sim-golden-call.json) was made from the sim before its event
encoding was reworked for CPU (branch simcpu): every frame each connection received, in order.
The scripted call is what the controller does in `bench inbound`: a caller on a DID, answered and
parked by the dialplan; MOH; a `bgapi originate` of an agent phone into park; `uuid_break` and
`uuid_bridge`; the agent's phone hangs up (a BYE), then the caller's leg is killed. Three clients
listen: the controller's own subscription (plain), everything in JSON, everything in plain,
and everything filtered on the caller's number (filters read the headers they name).

The clock moves only by the script's steps and the waits' lengths (per greenlet), and UUIDs
come from a counter, so the same code gives the same bytes. Events and replies are compared as two sequences per connection: a
reply is written at once while events go through the connection's writer, so how the two
interleave follows greenlet scheduling, not the switch's behaviour.
Regenerate (only on purpose): CALLDESK_GOLDEN_WRITE=1 pytest this file.
"""

from __future__ import annotations

import json
import os
import time
import types
import weakref
from pathlib import Path

import gevent
import pytest
from gevent import socket

from calldesk.sim import PhoneBehavior, SimSwitch, legs
from calldesk.sim.clock import Clock

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "sim-golden-call.json"
EPOCH = 1_764_000_000.25
CONTROLLER_EVENTS = (
    "CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER CHANNEL_PARK "
    "CHANNEL_UNPARK CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_BRIDGE CHANNEL_UNBRIDGE "
    "CHANNEL_HOLD CHANNEL_UNHOLD CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY DTMF "
    "RECORD_START RECORD_STOP PLAYBACK_START PLAYBACK_STOP BACKGROUND_JOB"
)


class FrozenClock(Clock):
    """Simulated time moves only when the script moves it or something waits: a sleep or a
    timed wait moves it by its whole length at once (then waits the wall time, unless woken).
    Waits move the time of their own greenlet only (each runs that far ahead of the script),
    so what a greenlet reads does not hang on how the greenlets happened to interleave."""

    def __init__(self) -> None:
        super().__init__(time_scale=2.0, epoch=EPOCH)
        self.t = 0.0
        self.ahead: weakref.WeakKeyDictionary[object, float] = weakref.WeakKeyDictionary()

    def now(self) -> float:
        return self.t + self.ahead.get(gevent.getcurrent(), 0.0)

    def wall(self, sim_seconds: float) -> float:
        me = gevent.getcurrent()
        self.ahead[me] = self.ahead.get(me, 0.0) + max(0.0, sim_seconds)
        return super().wall(sim_seconds)


class Capture:
    """A client socket that keeps every byte and splits it into frames."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.data = bytearray()
        self._g = gevent.spawn(self._read)

    def _read(self) -> None:
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            self.data += chunk

    def frames(self) -> list[bytes]:
        out, data, at = [], bytes(self.data), 0
        while at < len(data):
            end = data.index(b"\n\n", at) + 2
            head = data[at:end]
            size = 0
            for line in head.split(b"\n"):
                if line.startswith(b"Content-Length: "):
                    size = int(line[16:])
            out.append(data[at : end + size])
            at = end + size
        return out

    def count(self, needle: bytes) -> int:
        return bytes(self.data).count(needle)

    def send(self, text: str) -> None:
        self.sock.sendall(text.encode())

    def close(self) -> None:
        self.sock.close()
        self._g.kill(block=False)


def _wait(pred, what: str, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    with gevent.Timeout(timeout, AssertionError(f"timed out waiting for {what}")):
        while not pred():
            gevent.sleep(0.002)


@pytest.fixture
def frozen(monkeypatch):  # type: ignore[no-untyped-def]
    """UTC local time and counter UUIDs for the test's duration."""
    counter = iter(range(1, 1_000_000))
    fake_os = types.SimpleNamespace(urandom=lambda n: next(counter).to_bytes(n, "big"))
    monkeypatch.setattr(legs, "os", fake_os)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _run_call(tmp_path: Path) -> dict[str, dict[str, list[str]]]:
    sw = SimSwitch(password="pw", recordings_dir=tmp_path, history=0)
    sw.clock = clock = FrozenClock()
    sw._started_epoch = EPOCH  # uptime in `status` from the frozen clock
    sw.dialplan.add_did("5551000")
    sw.add_phone("user/2000", PhoneBehavior.answer(after=0.2))
    sw.start()
    clients: dict[str, Capture] = {}
    try:
        for name, sub in (
            ("controller", f"event plain {CONTROLLER_EVENTS}"),
            ("json_all", "event json ALL"),
            ("plain_all", "event plain ALL"),
            # A leading + is a sign to FreeSWITCH's filters: the number is matched by a regex.
            ("filtered", "event plain ALL\n\nfilter Caller-Caller-ID-Number /^\\+15550123$/"),
        ):
            c = clients[name] = Capture(sw.port)
            c.send("auth pw\n\n")
            c.send(sub + "\n\n")
            n = 2 + sub.count("filter")
            _wait(lambda c=c, n=n: c.count(b"Reply-Text: +OK") >= n, f"{name} subscribed")
        ctl, every = clients["controller"], clients["plain_all"]

        def step(dt: float, command: str, until: bytes, n: int = 1) -> None:
            clock.t += dt
            before = every.count(until)
            if command:
                ctl.send(command)
            _wait(lambda: every.count(until) >= before + n, until.decode())

        clock.t = 1.5
        a = sw.inject_call("5551000", caller_id="+15550123", caller_name="Jo Caller")
        _wait(lambda: every.count(b"Event-Name: CHANNEL_PARK") >= 1, "park")
        moh = "00000000-0000-4000-8000-00000000aa01"
        step(
            0.75,
            f"sendmsg {a}\ncall-command: execute\nexecute-app-name: playback\n"
            f"execute-app-arg: local_stream://moh\nEvent-UUID: {moh}\n\n",
            b"Event-Name: PLAYBACK_START",
        )
        job = "00000000-0000-4000-8000-00000000bb01"
        variables = (
            "{calldesk_role=agent,calldesk_agent=a0,origination_caller_id_name=q:+15550123,"
            "originate_timeout=30}"
        )
        step(
            2.0,
            f"bgapi originate {variables}user/2000 &park()\nJob-UUID: {job}\n\n",
            b"Event-Name: BACKGROUND_JOB",
        )
        # the agent leg parks 20 ms after the job ends: wait for it (no race with what follows)
        _wait(lambda: every.count(b"Event-Name: CHANNEL_PARK") >= 2, "agent parked")
        b = next(u for u in sw.legs if u != a)
        step(0.5, f"api uuid_break {a} all\n\n", b"Event-Name: PRIVATE_COMMAND")
        step(0.25, f"api uuid_bridge {a} {b}\n\n", b"Event-Name: CHANNEL_BRIDGE")
        clock.t += 3.0
        sw.hangup(b)  # the agent's phone sends a BYE; the caller's leg follows it
        _wait(lambda: not sw.legs, "every leg gone")
        clock.t += 1.0
        ctl.send(f"api uuid_kill {a}\n\n")
        _wait(lambda: ctl.count(b"-ERR No such channel") >= 1, "uuid_kill reply")
        clock.t += 1.0
        ctl.send("api status\n\n")
        _wait(lambda: ctl.count(b"api/response") >= 4, "status")
        gevent.sleep(0.05)
        out = {}
        for name, c in clients.items():
            frames = [f.decode("utf-8", "surrogateescape") for f in c.frames()]
            out[name] = {
                "events": [f for f in frames if "Content-Type: text/event" in f],
                "other": [f for f in frames if "Content-Type: text/event" not in f],
            }
        return out
    finally:
        for c in clients.values():
            c.close()
        sw.stop()


def test_scripted_call_frames_match_the_golden_capture(frozen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    got = _run_call(tmp_path)
    if os.environ.get("CALLDESK_GOLDEN_WRITE"):
        GOLDEN.write_text(json.dumps(got, indent=1) + "\n")
    want = json.loads(GOLDEN.read_text())
    for name in want:
        for kind in ("events", "other"):
            w, g = want[name][kind], got[name][kind]
            for i, (x, y) in enumerate(zip(w, g, strict=False)):
                assert y == x, f"{name} {kind} #{i} differs"
            assert len(g) == len(w), f"{name}: {len(g)} {kind} frames, golden has {len(w)}"

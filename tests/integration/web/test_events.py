"""Push over a real WebSocket and over Server-Sent Events: journal seq on every message, exact
resume with `since`, reload when too old, topics checked by role, a slow client dropped."""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import struct
import threading

import gevent
from tests.integration.recording.simcall import wait_for


class Listener:
    """A WebSocket client in its own thread, collecting messages: a plain socket speaking
    RFC 6455 (no extensions), so what it sees is exactly what the server sent."""

    def __init__(self, port: int, query: str, cookie: str) -> None:
        self.messages: list[dict] = []
        self.closed = threading.Event()
        self.port, self.query, self.cookie = port, query, cookie
        self.sock: socket.socket | None = None
        self.status = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def _read(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))  # type: ignore[union-attr]
            if not chunk:
                raise ConnectionError("closed")
            out += chunk
        return out

    def run(self) -> None:
        try:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            key = base64.b64encode(os.urandom(16)).decode()
            self.sock.sendall((f"GET /api/events?{self.query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                               f"Cookie: {self.cookie}\r\n\r\n").encode())  # fmt: skip
            head = b""
            while b"\r\n\r\n" not in head:
                head += self._read(1)
            self.status = int(head.split()[1])
            while self.status == 101:
                b0, b1 = self._read(2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", self._read(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", self._read(8))[0]
                payload = self._read(n)
                if b0 & 0x0F == 8:  # close
                    break
                if b0 & 0x0F == 1:
                    self.messages.append(json.loads(payload))
        except OSError:
            pass
        finally:
            self.closed.set()

    def stop(self) -> None:
        if self.sock is not None:
            mask = os.urandom(4)
            try:  # a masked close frame, then the socket
                self.sock.sendall(bytes([0x88, 0x80]) + mask)
            except OSError:
                pass
            self.sock.close()
        while not self.closed.is_set():
            gevent.sleep(0.01)


def seqs(messages: list[dict], kind: str | None = None) -> list[int]:
    return [m["seq"] for m in messages if kind is None or m["kind"] == kind]


def test_websocket_push_and_exact_resume(env) -> None:
    a1 = env.client("a1")
    port = env.http.address[1]
    ws = Listener(port, "topics=agent:a1", a1.cookie)
    gevent.sleep(0.2)
    assert a1.call("POST", "/api/agents/a1/login", {"ready": True}).status == 200
    wait_for(lambda: any(m["kind"] == "agent.state" for m in ws.messages), what="state pushed", timeout=20)
    first = ws.messages[-1]
    assert first["subject"] == "a1" and first["seq"] > 0 and {"at", "data"} <= set(first)
    ws.stop()
    # missed while away: the state changes of a1 (and none of a2's)
    a1.call("POST", "/api/agents/a1/state", {"state": "not_ready", "reason": "lunch"})
    env.client("sup1").call("POST", "/api/agents/a2/login", {"ready": True})
    a1.call("POST", "/api/agents/a1/state", {"state": "ready"})
    since = max(seqs(ws.messages))
    again = Listener(port, f"topics=agent:a1&since={since}", a1.cookie)
    a1.call("POST", "/api/agents/a1/state", {"state": "not_ready", "reason": "break"})
    wait_for(lambda: sum(m["kind"] == "agent.state" for m in again.messages) >= 3,
             what="backlog and live", timeout=20)  # fmt: skip
    gevent.sleep(0.3)
    again.stop()
    got = seqs(again.messages)
    want = [e.id for e in env.ctl.store.journal.read(after_id=since)
            if e.subject == "a1" or e.data.get("agent") == "a1"]  # fmt: skip
    want = [s for s in want if not any(
        e.kind.startswith(("api.", "access.", "auth."))
        for e in env.ctl.store.journal.read(after_id=s - 1, limit=1))]  # fmt: skip
    assert got == want  # nothing lost, nothing twice, in order
    assert all(m["subject"] != "a2" for m in again.messages)


def test_too_old_means_reload_and_topics_are_checked(env) -> None:
    a1 = env.client("a1")
    r = a1.raw("GET", "/api/events?topics=agent:a2")
    assert r.status == 403
    r = a1.raw("GET", "/api/events?topics=queue:nosuch")
    assert r.status == 404
    r = a1.raw("GET", "/api/events?topics=bogus")
    assert r.status == 400 and r.json()["field"] == "topics"
    assert env.client().raw("GET", "/api/events").status == 401
    last = env.ctl.store.db.execute("SELECT max(id) FROM journal").fetchone()[0]
    ws = Listener(env.http.address[1], f"since={last + 1000}", a1.cookie)
    wait_for(lambda: ws.messages, what="an answer", timeout=30)
    assert ws.messages == [{"kind": "reload", "seq": last}]
    ws.stop()


def test_sse_fallback_and_a_slow_client_is_dropped(env) -> None:
    boss = env.client("boss")
    hub = _hub(env)
    hub.queue_max = 5
    lines: list[str] = []
    done = threading.Event()

    def read() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", env.http.address[1], timeout=20)
        conn.request("GET", "/api/events?topics=all",
                     headers={"Cookie": boss.cookie, "Accept": "text/event-stream"})  # fmt: skip
        r = conn.getresponse()
        assert r.getheader("Content-Type").startswith("text/event-stream")
        while True:
            line = r.readline()
            if not line:
                break
            lines.append(line.decode())
        done.set()

    threading.Thread(target=read, daemon=True).start()
    wait_for(lambda: len(hub.clients) == 1, what="subscribed", timeout=20)
    journal = env.ctl.store.journal
    for i in range(20):  # in one greenlet step: the client cannot read in between
        journal.append("test.burst", f"x{i}", {"i": i}, 1.0)
    wait_for(done.is_set, what="stream ended", timeout=20)
    data = [json.loads(x[6:]) for x in lines if x.startswith("data: ")]
    assert data[-1]["kind"] == "dropped" and "too slowly" in data[-1]["detail"]
    assert [m["seq"] for m in data[:-1]] == sorted(m["seq"] for m in data[:-1])
    assert not hub.clients


def _hub(env):
    return env.http.server.application.extensions["calldesk"].hub

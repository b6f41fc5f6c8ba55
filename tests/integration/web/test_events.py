"""Push over a real WebSocket and over Server-Sent Events: journal seq on every message, exact
resume with `since`, reload when too old, topics checked by role, a slow client dropped."""

from __future__ import annotations

import http.client
import json
import threading

import gevent
from simple_websocket import Client as WsClient
from simple_websocket import ConnectionClosed
from tests.integration.recording.simcall import wait_for


class Listener:
    """A WebSocket client in its own thread, collecting messages."""

    def __init__(self, port: int, query: str, cookie: str) -> None:
        self.messages: list[dict] = []
        self.closed = threading.Event()
        self.url = f"ws://127.0.0.1:{port}/api/events?{query}"
        self.cookie = cookie
        self.ws = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        try:
            self.ws = WsClient.connect(self.url, headers={"Cookie": self.cookie})
            while True:
                text = self.ws.receive(timeout=20)
                if text is None:
                    break
                self.messages.append(json.loads(text))
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    def stop(self) -> None:
        if self.ws is not None:
            self.ws.close()
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
    wait_for(lambda: ws.closed.is_set(), what="closed after reload", timeout=20)
    assert ws.messages == [{"kind": "reload", "seq": last}]


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

"""Every request is journaled (reads as `api.read`, batched) without a push loop, and journal
entries another process writes reach connected clients live, in order, exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import gevent
from tests.integration.recording.simcall import wait_for
from tests.integration.web.conftest import in_thread
from tests.integration.web.test_events import Listener, seqs

from calldesk.bench.wsclient import WholeClient as WsClient


def _web(env):
    return env.http.server.application.extensions["calldesk"]


def test_reads_are_journaled_in_one_batch(env) -> None:
    a1 = env.client("a1")
    journal = env.ctl.store.journal
    before = journal.last_id()
    for path in ("/api/agents/a1", "/api/agents/a1/offer", "/api/queues"):
        assert a1.call("GET", path).status == 200
    _web(env).audit.flush()
    reads = [e for e in journal.read(after_id=before) if e.kind == "api.read"]
    assert [(e.subject, e.data["user"], e.data["route"], e.data["status"]) for e in reads] == [
        ("a1", "a1", "/api/agents/{id}", 200),
        ("a1", "a1", "/api/agents/{id}/offer", 200),
        ("/api/queues", "a1", "/api/queues", 200),
    ]
    assert len({e.id for e in reads}) == 3 and reads[-1].id - reads[0].id == 2  # one append


def test_a_pushed_event_does_not_cause_another(env) -> None:
    """Like the desk: on each pushed message the client fetches. The fetches are journaled,
    yet the next message it gets is the marker appended after them, for the admin's `all`
    topic as for an agent's own."""
    a1, boss = env.client("a1"), env.client("boss")
    port, journal = env.http.address[1], env.ctl.store.journal
    mine = Listener(port, "topics=agent:a1", a1.cookie)
    every = Listener(port, "topics=all", boss.cookie)
    wait_for(lambda: len(_web(env).hub.clients) == 2, what="both subscribed", timeout=20)
    first = journal.append("agent.note", "a1", {"agent": "a1"}, 1.0)
    wait_for(
        lambda: first in seqs(mine.messages) and first in seqs(every.messages),
        what="the event pushed",
        timeout=20,
    )
    _web(env).audit.flush()  # the two subscriptions' own lines
    reads_before = journal.count("api.read")
    for client in (a1, boss):  # what the page does on that message
        assert client.call("GET", "/api/agents/a1").status == 200
        assert client.call("GET", "/api/agents/a1/offer").status == 200
    _web(env).audit.flush()
    assert journal.count("api.read") == reads_before + 4
    marker = journal.append("agent.note", "a1", {"agent": "a1", "marker": True}, 2.0)
    wait_for(
        lambda: marker in seqs(mine.messages) and marker in seqs(every.messages),
        what="the marker pushed",
        timeout=20,
    )
    mine.stop()
    every.stop()
    for listener in (mine, every):
        got = seqs(listener.messages)
        assert got[got.index(first) + 1] == marker, listener.messages
        assert not any(m["kind"].startswith("api.") for m in listener.messages)


APPEND = """
import sys
from calldesk.store import Store
journal = Store.open(sys.argv[1], migrate=False).journal
for i in range(3):
    journal.append("agent.note", "a1", {"agent": "a1", "from": "cli", "n": i}, 5.0 + i)
"""


def test_entries_of_another_process_are_pushed_live(env) -> None:
    a1 = env.client("a1")
    journal = env.ctl.store.journal
    ws = Listener(env.http.address[1], "topics=agent:a1", a1.cookie)
    wait_for(lambda: len(_web(env).hub.clients) == 1, what="subscribed", timeout=20)
    start = journal.last_id()
    proc = subprocess.Popen([sys.executable, "-c", APPEND, env.ctl.store.path])
    while proc.poll() is None:
        gevent.sleep(0.05)
    assert proc.returncode == 0
    ours = journal.append("agent.note", "a1", {"agent": "a1", "from": "serve"}, 9.0)
    wait_for(lambda: ours in seqs(ws.messages), what="serve's own entry", timeout=20)
    proc = subprocess.Popen([sys.executable, "-c", APPEND, env.ctl.store.path])
    while proc.poll() is None:
        gevent.sleep(0.05)
    last = journal.last_id()
    wait_for(lambda: last in seqs(ws.messages), what="the idle tail's entries", timeout=20)
    ws.stop()
    notes = [m for m in ws.messages if m["kind"] == "agent.note"]
    want = [e.id for e in journal.read(after_id=start) if e.kind == "agent.note"]
    assert [m["seq"] for m in notes] == want  # in order, none lost, none twice
    assert [m["data"]["from"] for m in notes] == ["cli"] * 3 + ["serve"] + ["cli"] * 3


def test_a_validating_websocket_client_gets_each_message(env) -> None:
    """simple-websocket's client checks the handshake (accept token, headers) and the frames."""
    a1 = env.client("a1")
    url = f"ws://127.0.0.1:{env.http.address[1]}/api/events?topics=agent:a1"
    ws = in_thread(lambda: WsClient.connect(url, headers={"Cookie": a1.cookie}))
    got: list[dict] = []
    done = threading.Event()

    def read() -> None:
        while len(got) < 2:
            text = ws.receive(timeout=20)
            if text is None:
                break
            got.append(json.loads(text))
        done.set()

    threading.Thread(target=read, daemon=True).start()
    wait_for(lambda: len(_web(env).hub.clients) == 1, what="subscribed", timeout=20)
    journal = env.ctl.store.journal
    first = journal.append("agent.note", "a1", {"agent": "a1", "n": 1}, 1.0)
    second = journal.append("agent.note", "a1", {"agent": "a1", "n": 2}, 2.0)
    wait_for(done.is_set, what="two messages", timeout=20)
    in_thread(ws.close)
    assert [(m["seq"], m["data"]["n"]) for m in got] == [(first, 1), (second, 2)]
    _web(env).audit.flush()  # the subscription itself is journaled like any read
    opened = [e.data for e in journal.read(kind="api.read") if e.subject == "/api/events"]
    assert opened[-1] == {
        "user": "a1",
        "route": "/api/events",
        "topics": "agent:a1",
        "transport": "websocket",
    }

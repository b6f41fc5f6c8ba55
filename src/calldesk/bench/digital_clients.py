"""The clients of `calldesk bench digital`, in their own process with gevent's monkey patching:
each chat agent's WebSocket on `/api/events` (accepting every offer it is pushed through the
API), the visitors on the public chat WebSocket, and the SMS provider's signed webhooks. Prints
a JSON line when the chats are all with agents, then (after `go` on stdin) the timed load, then
one JSON object with the measurements.

    python -m calldesk.bench.digital_clients PORT SETTINGS_FILE
"""

from gevent import monkey

monkey.patch_all()

import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import gevent  # noqa: E402
import gevent.lock  # noqa: E402
import gevent.pool  # noqa: E402
from simple_websocket import ConnectionClosed  # noqa: E402

from calldesk.bench.wsclient import WholeClient as Client  # noqa: E402
from calldesk.digital.sms import twilio  # noqa: E402


class Load:
    def __init__(self, port: int, s: dict[str, Any]) -> None:
        self.port, self.s = port, s
        self.connected: set[str] = set()  # visitors whose chat an agent took
        self.sent_at: dict[str, float] = {}  # client id -> when the visitor sent it
        self.message_of: dict[str, str] = {}  # message id -> client id (from the acks)
        self.pushed: dict[str, tuple[float, float]] = {}  # message id -> (journal at, received)
        self.accepts: dict[str, int] = {}
        self.problems: list[Any] = []
        self.sockets: dict[str, Any] = {}
        self.stopping = False
        self.sms_sent = 0
        self.sms_status: dict[str, int] = {}

    # -- HTTP ----------------------------------------------------------------------------------
    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("POST", path, body=body, headers=headers)
        r = conn.getresponse()
        out = (r.status, r.read())
        conn.close()
        return out

    # -- agents --------------------------------------------------------------------------------
    def agent(self, agent: str, token: str) -> None:
        ws = Client.connect(
            f"ws://127.0.0.1:{self.port}/api/events?topics=agent:{agent}&since={self.s['since']}",
            headers={"Authorization": f"Bearer {token}"},
        )
        self.sockets[agent] = ws
        try:
            while not self.stopping:
                text = ws.receive(timeout=0.5)
                if text is None:
                    continue
                now = time.time()
                m = json.loads(text)
                kind = m["kind"]
                if kind in ("dropped", "reload"):
                    self.problems.append(m)
                    return
                if kind == "message.received":
                    self.pushed[m["data"]["message"]] = (m["at"], now)
                elif kind == "interaction.offered":
                    gevent.spawn(self.accept, m["data"]["offer"], token)
        except ConnectionClosed:
            pass
        finally:
            ws.close()

    def accept(self, offer: str, token: str) -> None:
        status, _ = self.post(
            f"/api/offers/{offer}/accept", b"", {"Authorization": f"Bearer {token}"}
        )
        self.accepts[str(status)] = self.accepts.get(str(status), 0) + 1

    # -- visitors ------------------------------------------------------------------------------
    def visitor(self, i: int, opening: Any) -> None:
        """One visitor for the whole run (opening: at most so many start at once)."""
        with opening:
            status, body = self.post("/chat/session", b"{}", {"Content-Type": "application/json"})
            if status != 200:
                text = body[:200].decode("utf-8", "replace")
                self.problems.append({"session": status, "body": text})
                return
            token = json.loads(body)["token"]
            ws = Client.connect(f"ws://127.0.0.1:{self.port}/chat/socket?token={token}")
            name = f"v{i}"
            self.sockets[name] = ws
            hello = {"type": "message", "text": "Hello, I need help", "client_id": "open"}
            ws.send(json.dumps(hello))
        try:
            while not self.stopping:
                text = ws.receive(timeout=0.5)
                if text is None:
                    continue
                f = json.loads(text)
                if f["type"] == "ack" and f.get("client_id", "").startswith("L"):
                    self.message_of[f["message"]["id"]] = f["client_id"]
                elif f["type"] == "state" and f["state"] == "connected":
                    self.connected.add(name)
                elif f["type"] == "error":
                    self.problems.append(f)
        except ConnectionClosed:
            pass

    def say(self, n: int) -> None:
        """The n-th timed message, from visitor n mod N."""
        ws = self.sockets.get(f"v{n % self.s['conversations']}")
        if ws is None:
            return
        cid = f"L{n}"
        self.sent_at[cid] = time.time()
        try:
            ws.send(json.dumps({"type": "message", "text": f"message {n}", "client_id": cid}))
        except ConnectionClosed:
            self.problems.append({"visitor": n, "closed": True})

    # -- SMS -----------------------------------------------------------------------------------
    def sms(self, n: int) -> None:
        form = {
            "MessageSid": f"SM{n:032d}",
            "From": f"+1555020{n % 1000:04d}",
            "To": "+15550001111",
            "Body": f"sms {n}",
        }
        url = self.s["public_url"] + "/sms/inbound"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            twilio.SIGNATURE_HEADER: twilio.signature(self.s["sms_token"], url, form),
        }
        status, _ = self.post("/sms/inbound", urlencode(form).encode(), headers)
        self.sms_status[str(status)] = self.sms_status.get(str(status), 0) + 1


def _line() -> str:
    return gevent.get_hub().threadpool.apply(sys.stdin.readline)


def _paced(rate: float, seconds: float, fn: Any, pool: gevent.pool.Pool) -> int:
    sent, start = 0, time.monotonic()
    if rate <= 0:
        return 0
    while (elapsed := time.monotonic() - start) < seconds:
        for _ in range(int(rate * elapsed) - sent):
            pool.spawn(fn, sent)
            sent += 1
        gevent.sleep(0.005)
    return sent


def main() -> None:
    # The load generator yields the CPU to `serve` (what is measured) on a shared box.
    os.nice(int(os.environ.get("CALLDESK_BENCH_CLIENT_NICE", "10")))
    port = int(sys.argv[1])
    with open(sys.argv[2]) as f:
        s = json.load(f)
    load = Load(port, s)
    workers: list[Any] = [gevent.spawn(load.agent, a, t) for a, t in s["agents"].items()]
    deadline = time.monotonic() + 120
    while len(load.sockets) < len(s["agents"]) and time.monotonic() < deadline:
        gevent.sleep(0.05)
    opened = time.monotonic()
    opening = gevent.lock.BoundedSemaphore(50)
    workers += [gevent.spawn(load.visitor, i, opening) for i in range(s["conversations"])]
    deadline = time.monotonic() + s["open_limit_s"]
    while len(load.connected) < s["conversations"] and time.monotonic() < deadline:
        gevent.sleep(0.1)
    print(
        json.dumps(
            {
                "agents": len(s["agents"]),
                "connected": len(load.connected),
                "open_s": round(time.monotonic() - opened, 1),
            }
        ),
        flush=True,
    )
    _line()  # go
    senders = gevent.pool.Pool(500)
    sms = gevent.spawn(_paced, s["sms_per_s"], s["seconds"], load.sms, senders)
    said = _paced(s["rate"], s["seconds"], load.say, senders)
    load.sms_sent = sms.get()
    senders.join(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        timed = [m for m in load.message_of if m not in load.pushed]
        if not timed and len(load.message_of) >= said:
            break
        gevent.sleep(0.2)
    load.stopping = True
    gevent.joinall(workers, timeout=5)
    accepted_to_socket, sent_to_socket = [], []
    for mid, cid in load.message_of.items():
        if mid in load.pushed:
            at, got = load.pushed[mid]
            accepted_to_socket.append(got - at)
            sent_to_socket.append(got - load.sent_at[cid])
    print(
        json.dumps(
            {
                "said": said,
                "acked": len(load.message_of),
                "delivered": len(accepted_to_socket),
                "accepted_to_socket": accepted_to_socket,
                "sent_to_socket": sent_to_socket,
                "accepts": load.accepts,
                "sms_sent": load.sms_sent,
                "sms_status": load.sms_status,
                "problems": load.problems[:20],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()

"""The clients of `calldesk bench api`, in their own process with gevent's monkey patching:
one WebSocket per agent (collecting every event with its receive time, until the last event
the harness says it should get has come) and a steady stream of API requests (reads for every
agent, state changes for the spare agents). Prints one JSON object: per agent the seqs
received, the push latencies of offers, the API latencies and the connections opened.

    python -m calldesk.bench.api_clients PORT SINCE SECONDS AGENTS SPARES RPS TOKENS_FILE [KEEP]

KEEP (default 1): API requests on kept-alive connections; 0: a new connection per request.
"""

from gevent import monkey

monkey.patch_all()

import http.client  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
from simple_websocket import ConnectionClosed  # noqa: E402

from calldesk.bench.wsclient import WholeClient as Client  # noqa: E402

DRAIN_S = 60.0  # how long, at most, the listeners wait for events still on their way


def listen(port: int, agent: str, token: str, since: int, out: dict, stop: list) -> None:
    seqs, lat = out.setdefault("seqs", {}).setdefault(agent, []), out.setdefault("push", [])
    ws = Client.connect(
        f"ws://127.0.0.1:{port}/api/events?topics=agent:{agent}&since={since}",
        headers={"Authorization": f"Bearer {token}"},
    )
    out.setdefault("connected", []).append(agent)
    try:
        while True:
            text = ws.receive(timeout=0.5)
            if text is None:
                # told to stop: once this agent's last event came (the harness names it), or
                # nothing came for half a second past the drain deadline
                if stop and (
                    max(seqs, default=0) >= stop[0].get(agent, 0) or time.time() > stop[1]
                ):
                    break
                continue
            now = time.time()
            m = json.loads(text)
            if m["kind"] in ("dropped", "reload"):
                out.setdefault("problems", []).append(m)
                break
            seqs.append(m["seq"])
            if m["kind"] == "interaction.offered":
                lat.append(now - m["at"])
    except ConnectionClosed:
        pass
    finally:
        ws.close()


class Connections:
    """Kept-alive HTTP/1.1 connections, as an integration's HTTP client keeps them (a request
    takes an idle one or opens one; back in the pool after the answer). `keep=False`: a new
    TCP connection for every request, closed after the answer."""

    def __init__(self, port: int, keep: bool = True) -> None:
        self.port, self.keep = port, keep
        self.idle: list[http.client.HTTPConnection] = []
        self.opened = 0

    def take(self) -> http.client.HTTPConnection:
        if self.idle:
            return self.idle.pop()
        self.opened += 1
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def give(self, conn: http.client.HTTPConnection, reusable: bool) -> None:
        if self.keep and reusable:
            self.idle.append(conn)
        else:
            conn.close()


def request(
    pool: Connections, token: str, method: str, path: str, body: dict | None, out: dict
) -> None:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if not pool.keep:
        headers["Connection"] = "close"
    t = time.perf_counter()
    conn = pool.take()
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
    except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
        conn.close()  # the server closed an idle kept-alive connection: once more, on a new one
        pool.opened += 1
        conn = http.client.HTTPConnection("127.0.0.1", pool.port, timeout=30)
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
    r.read()
    took = time.perf_counter() - t
    pool.give(conn, not r.will_close)
    key = "api_write" if method == "POST" else "api_read"
    out.setdefault(key, []).append(took)
    out.setdefault("status", {}).setdefault(str(r.status), 0)
    out["status"][str(r.status)] += 1


def watch_loop(lags: list[float], tick_s: float = 0.01) -> None:
    """How late this process's own hub wakes a timer: a request's measured latency includes
    the clients' wait for their own loop, which is not serve's."""
    while True:
        due = time.monotonic() + tick_s
        gevent.sleep(tick_s)
        lags.append(max(0.0, time.monotonic() - due))


def _line() -> str:
    """Read a line of stdin in a native thread: the listeners keep running meanwhile."""
    return gevent.get_hub().threadpool.apply(sys.stdin.readline)


def main() -> None:
    port, since, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    agents, spares, rps = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    with open(sys.argv[7]) as f:
        tokens = json.load(f)
    keep = sys.argv[8] != "0" if len(sys.argv) > 8 else True
    pool = Connections(port, keep)
    out: dict = {}
    stop: list = []
    listeners = [
        gevent.spawn(listen, port, f"a{i}", tokens[f"a{i}"], since, out, stop)
        for i in range(agents)
    ]
    deadline = time.monotonic() + 60
    while len(out.get("connected", [])) < agents and time.monotonic() < deadline:
        gevent.sleep(0.05)
    print(json.dumps({"ready": len(out.get("connected", []))}), flush=True)
    _line()  # the bench starts the traffic, then says go
    watcher = gevent.spawn(watch_loop, out.setdefault("client_lag", []))
    start, sent, spawned = time.monotonic(), 0, []
    while (elapsed := time.monotonic() - start) < seconds:
        for _ in range(int(rps * elapsed) - sent):
            i = sent
            if i % 5 == 4:  # one request in five changes a spare agent's state
                s = f"s{(i // 5) % spares}"
                body = (
                    {"state": "ready"}
                    if (i // 5 // spares) % 2 == 0
                    else {"state": "not_ready", "reason": "break"}
                )
                spawned.append(
                    gevent.spawn(
                        request, pool, tokens[s], "POST", f"/api/agents/{s}/state", body, out
                    )
                )
            else:
                a = f"a{i % agents}"
                path = ("/api/agents/{a}", "/api/agents/{a}/offer", "/api/queues")[i % 3]
                spawned.append(
                    gevent.spawn(request, pool, tokens[a], "GET", path.format(a=a), None, out)
                )
            sent += 1
        gevent.sleep(0.005)
    gevent.joinall(spawned, timeout=30)
    watcher.kill()
    out["connections_opened"] = pool.opened
    last = json.loads(_line() or "{}")  # drained: per agent, the last event it should get
    stop.extend([last, time.time() + DRAIN_S])
    gevent.joinall(listeners, timeout=10)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

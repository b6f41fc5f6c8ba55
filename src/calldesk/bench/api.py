"""`calldesk bench api`: the HTTP API and push under load, over real TCP.

Three processes besides this one: the simulated switch placing `rate` calls/s on a DID whose
flow enqueues them; `calldesk serve` (controller and HTTP API in one gevent hub); the clients
(gevent, monkey-patched): one WebSocket per agent following `agent:<id>` from the journal seq
at the start, and `rps` API requests/s (reads of agents, offers and queues; state changes of
spare agents outside the queue) on kept-alive connections, as an integration's HTTP client
keeps them (`keepalive=False`: a new TCP connection per request, closed after the answer).
Reported: API latency p50/p99 (reads, writes, all), push latency p50/p99 of offers (client receive time minus the ACD decision's journal time; one
machine, one clock), and lost/duplicate events per agent against the journal itself (the
listeners wait, up to a minute, for the last event each should get; `lost_holes`: the lost ones
after which a later event of that agent did arrive).

`run` repeats the round `rounds` times and reports the median of the rounds for each figure
(lost and duplicate events are summed), with each round's figures under `rounds`. CPU seconds
of serve, the switch and the clients during the measured window come from /proc, and the load
average before and after says what the box was doing: wall latencies on a shared box are upper
bounds. `CALLDESK_BENCH_PROFILE=DIR` runs serve under cProfile with a CPU-time timer
(`DIR/serve-<round>.prof`); `CALLDESK_BENCH_SEGMENTS=DIR` under a greenlet switch tracer (how
long each greenlet held the loop, in CPU time: `calldesk.bench.api_segments`,
`DIR/serve-<round>.json`); `CALLDESK_BENCH_SERVE_SRC=DIR` runs serve from another source tree
(e.g. a checkout of the commit before a change) with everything else unchanged, for A/B rounds.
Serve's own `/metrics`, read before and after the window, split the client's figures: the
event loop's lag and the time inside the request handler (`calldesk.bench.api_metrics`); the
clients' own loop lag (`clients_loop_lag_p99_ms`) is their part of a request's measured time.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from calldesk.bench import api_metrics

PASSWORD = "bench-api-pw"
DID = "5551000"
FLOW = f"""flow: bench
bindings: {{numbers: ["{DID}"]}}
entry: queue
steps:
  queue: {{kind: enqueue, queue: bench}}
"""


def _switch_process(
    port_queue: Any, go: Any, done: Any, rate: float, seconds: float, agents: int, talk_s: float
) -> None:  # pragma: no cover
    import gevent

    from calldesk.sim import PhoneBehavior, SimSwitch

    sim = SimSwitch(password=PASSWORD, time_scale=1.0, history=0).start()
    for i in range(agents):
        sim.add_phone(f"user/{2000 + i}", PhoneBehavior.answer(after=0.05, hangup_after=talk_s))
    port_queue.put(sim.port)
    while not go.is_set():
        gevent.sleep(0.01)
    sent, start = 0, time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        for _ in range(int(rate * elapsed) - sent):
            sim.inject_call(did=DID, caller_id=f"+1555{sent:07d}")
            sent += 1
        gevent.sleep(0.005)
    done.put((sent, time.monotonic() - start))
    while True:
        gevent.sleep(0.5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 2)


def _config(tmp: Path, sim_port: int, http_port: int, agents: int, spares: int) -> Path:
    import yaml

    (tmp / "flows").mkdir()
    (tmp / "flows" / "bench.yaml").write_text(FLOW)
    cfg = {
        "switches": [{"name": "sim1", "host": "127.0.0.1", "port": sim_port, "password": PASSWORD}],
        "store": {"path": str(tmp / "bench.sqlite")},
        "http": {"host": "127.0.0.1", "port": http_port},
        "flows": {"dir": str(tmp / "flows"), "reload_interval": 60.0},
        "recordings": {"dir": str(tmp / "rec")},
        "log": {"level": "WARNING"},
        "queues": [{"name": "bench", "wrap_up_s": 0.5}],
        "agents": [
            {"id": f"a{i}", "contact": f"user/{2000 + i}", "queues": ["bench"]}
            for i in range(agents)
        ]
        + [{"id": f"s{i}", "contact": f"user/{3000 + i}", "queues": []} for i in range(spares)],
        "users": [{"id": "boss", "role": "admin"}],
    }
    path = tmp / "calldesk.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _post(port: int, token: str, path: str, body: dict) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        path,
        body=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    r = conn.getresponse()
    r.read()
    conn.close()
    return r.status


def _cpu_s(pid: int | None) -> float | None:
    """User + system CPU seconds of a live process (Linux /proc), or None."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _settle(store: Any, at_least: float, quiet: float = 3.0, limit: float = 120.0) -> None:
    """Wait `at_least`, then until the journal has not grown for `quiet` seconds."""
    time.sleep(at_least)
    last, since, start = -1, time.monotonic(), time.monotonic()
    while time.monotonic() - start < limit:
        now = store.db.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0]
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.2)


MEDIAN_KEYS = (
    "placed_per_s",
    "offers",
    "answered",
    "api_requests",
    "api_requests_per_s",
    "api_p50_ms",
    "api_p99_ms",
    "api_read_p99_ms",
    "api_write_p99_ms",
    "push_p50_ms",
    "push_p99_ms",
    "push_max_ms",
    "serve_loop_lag_p99_ms",
    "serve_loop_lag_max_ms",
    "clients_loop_lag_p99_ms",
    "serve_request_p50_ms",
    "serve_request_p99_ms",
    "serve_cpu_s",
    "serve_cpu_ms_per_request",
    "switch_cpu_s",
    "clients_cpu_s",
)


def _median(values: list[Any]) -> Any:
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def run(rounds: int = 3, **options: Any) -> dict[str, Any]:
    """`rounds` rounds of `run_round(**options)`: the median of each figure, lost and
    duplicates summed, and every round's own figures."""
    each = [run_round(round_no=i + 1, **options) for i in range(max(1, rounds))]
    out: dict[str, Any] = {"rounds_run": len(each)}
    out.update({k: _median([r[k] for r in each]) for k in MEDIAN_KEYS})
    out["agents_on_websocket"] = min(r["agents_on_websocket"] for r in each)
    out["lost_events"] = sum(r["lost_events"] for r in each)
    out["lost_holes"] = sum(r["lost_holes"] for r in each)
    out["duplicate_events"] = sum(r["duplicate_events"] for r in each)
    out["api_status"] = {}
    for r in each:
        for code, n in r["api_status"].items():
            out["api_status"][code] = out["api_status"].get(code, 0) + n
    out["load_average"] = [(r["load_before"], r["load_after"]) for r in each]
    out["rounds"] = each
    return out


def run_round(
    rate: float = 50.0,
    seconds: float = 20.0,
    agents: int = 200,
    spares: int = 20,
    rps: float = 200.0,
    talk_s: float = 2.0,
    round_no: int = 1,
    keepalive: bool = True,
) -> dict[str, Any]:
    from calldesk.store import Store
    from calldesk.store.journal import Entry
    from calldesk.web.credentials import Credentials
    from calldesk.web.events import Topic

    tmpdir = tempfile.TemporaryDirectory()
    tmp = Path(tmpdir.name)
    ctx = multiprocessing.get_context("spawn")
    port_queue, done, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    sim = ctx.Process(
        target=_switch_process,
        daemon=True,
        args=(port_queue, go, done, rate, seconds, agents, talk_s),
    )
    sim.start()
    serve = clients = None
    try:
        http_port = _free_port()
        cfg = _config(tmp, port_queue.get(timeout=60), http_port, agents, spares)
        store = Store.open(tmp / "bench.sqlite")
        creds = Credentials(store, time.time)
        tokens = {
            u: creds.create_token(u, "bench")[1]
            for u in ["boss", *(f"a{i}" for i in range(agents)), *(f"s{i}" for i in range(spares))]
        }
        (tmp / "tokens.json").write_text(json.dumps(tokens))
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        log = open(tmp / "serve.log", "w")  # a file, not a pipe nobody drains: never blocks
        profile = os.environ.get("CALLDESK_BENCH_PROFILE")
        segments = os.environ.get("CALLDESK_BENCH_SEGMENTS")
        main = ["calldesk.bench.cpuprofile", f"{profile}/serve-{round_no}.prof"]
        if segments:  # the greenlets' run segments instead (calldesk.bench.api_segments)
            main = ["calldesk.bench.api_segments", f"{segments}/serve-{round_no}.json"]
        serve_env = dict(env)
        other = os.environ.get("CALLDESK_BENCH_SERVE_SRC")  # serve another tree's code (A/B)
        if other:
            serve_env["PYTHONPATH"] = os.pathsep.join([other, env.get("PYTHONPATH", "")])
        serve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                *(main if profile or segments else ["calldesk.cli.main"]),
                "-c",
                str(cfg),
                "serve",
                "--status-every",
                "3600",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=serve_env,
        )
        wait_for_serve(serve, tmp / "serve.log", 60)
        for i in range(agents):
            _post(http_port, tokens["boss"], f"/api/agents/a{i}/login", {"ready": True})
        for i in range(spares):
            _post(http_port, tokens["boss"], f"/api/agents/s{i}/login", {"ready": False})
        since = store.db.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0]
        clients = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "calldesk.bench.api_clients",
                str(http_port),
                str(since),
                str(seconds),
                str(agents),
                str(spares),
                str(rps),
                str(tmp / "tokens.json"),
                "1" if keepalive else "0",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        ready = json.loads(clients.stdout.readline())  # type: ignore[union-attr]
        load_before = _load()
        pids = {"serve": serve.pid, "switch": sim.pid, "clients": clients.pid}
        cpu0 = {k: _cpu_s(p) for k, p in pids.items()}
        scraped0 = api_metrics.scrape(http_port, tokens["boss"])
        go.set()
        clients.stdin.write("go\n")  # type: ignore[union-attr]
        clients.stdin.flush()  # type: ignore[union-attr]
        sent, send_s = done.get(timeout=seconds + 120)
        served = api_metrics.figures(scraped0, api_metrics.scrape(http_port, tokens["boss"]))
        _settle(store, talk_s * 2 + 3)  # the calls in progress end and their events go out
        cpu = {k: _cpu_s(p) for k, p in pids.items()}
        used: dict[str, float | None] = {}
        for k, after in cpu.items():
            before = cpu0[k]
            used[k] = None if after is None or before is None else round(after - before, 2)
        load_after = _load()
        entries = [
            Entry(r[0], r[1], r[2], r[3], json.loads(r[4]))
            for r in store.db.execute(
                "SELECT id, at, kind, subject, data FROM journal WHERE id > ? ORDER BY id", [since]
            )
        ]
        last: dict[str, int] = {}  # per agent, the last journaled event it should be pushed
        for i in range(agents):
            topic = Topic("agent", f"a{i}")
            last[f"a{i}"] = max((e.id for e in entries if topic.matches(e)), default=0)
        clients.stdin.write(json.dumps(last) + "\n")  # type: ignore[union-attr]
        clients.stdin.flush()  # type: ignore[union-attr]
        out = json.loads(clients.stdout.readline())  # type: ignore[union-attr]
        lost = dup = expected_total = holes = 0
        for i in range(agents):
            topic = Topic("agent", f"a{i}")
            want = [e.id for e in entries if topic.matches(e)]
            got = out.get("seqs", {}).get(f"a{i}", [])
            expected_total += len(want)
            missing = set(want) - set(got)
            lost += len(missing)
            # a hole: a later event of this agent did arrive (not merely late at the stop)
            holes += sum(1 for m in missing if got and m < max(got))
            dup += len(got) - len(set(got))
        reads, writes = out.get("api_read", []), out.get("api_write", [])
        offers = sum(1 for e in entries if e.kind == "interaction.offered")
        return {
            "agents_on_websocket": ready["ready"],
            "target_calls_per_s": rate,
            "calls_placed": sent,
            "placed_per_s": round(sent / send_s, 1),
            "offers": offers,
            "answered": sum(1 for e in entries if e.kind == "interaction.answered"),
            "shed": sum(1 for e in entries if e.kind == "intake.shed"),  # turned away busy
            "journal_kinds": _kinds(entries),
            "api_requests": len(reads) + len(writes),
            "api_requests_per_s": round((len(reads) + len(writes)) / seconds, 1),
            "api_p50_ms": _pct(reads + writes, 0.5),
            "api_p99_ms": _pct(reads + writes, 0.99),
            "api_read_p99_ms": _pct(reads, 0.99),
            "api_write_p99_ms": _pct(writes, 0.99),
            "api_status": out.get("status", {}),
            "api_keepalive": keepalive,
            "api_connections_opened": out.get("connections_opened"),
            "push_events_expected": expected_total,
            "push_p50_ms": _pct(out.get("push", []), 0.5),
            "push_p99_ms": _pct(out.get("push", []), 0.99),
            "push_max_ms": _pct(out.get("push", []), 1.0),
            **served,
            # the clients' own hub: a request's latency includes its wait, which is not serve's
            "clients_loop_lag_p99_ms": _pct(out.get("client_lag", []), 0.99),
            "clients_loop_lag_max_ms": _pct(out.get("client_lag", []), 1.0),
            "serve_cpu_s": used["serve"],
            "serve_cpu_ms_per_request": (
                round(used["serve"] * 1000 / max(1, len(reads) + len(writes)), 2)
                if used["serve"] is not None
                else None
            ),
            "switch_cpu_s": used["switch"],
            "clients_cpu_s": used["clients"],
            "load_before": load_before,
            "load_after": load_after,
            "lost_events": lost,
            "lost_holes": holes,
            "duplicate_events": dup,
            "client_problems": out.get("problems", []),
            "serve_log_tail": [
                x
                for x in (tmp / "serve.log").read_text().splitlines()
                if "ERROR" in x or "Traceback" in x
            ][-5:],
            "seconds": seconds,
        }
    finally:
        for p in (clients, serve):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        sim.terminate()
        sim.join(timeout=5)
        keep = os.environ.get("CALLDESK_BENCH_LOG")  # where to keep serve's log, if anywhere
        if keep and (tmp / "serve.log").exists():
            Path(keep).write_text((tmp / "serve.log").read_text())
        tmpdir.cleanup()


def _kinds(entries: list[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in entries:
        out[e.kind] = out.get(e.kind, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def wait_for_serve(serve: subprocess.Popen, log: Path, timeout: float) -> None:
    """Until `serve` logs its HTTP address; its log's tail if it exits or times out first."""
    deadline = time.monotonic() + timeout
    while "http:" not in log.read_text():
        if serve.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("calldesk serve did not start: " + log.read_text()[-2000:])
        time.sleep(0.1)

"""`calldesk bench digital`: message accepted -> the agent's WebSocket, through one `serve`.

Three processes besides this one, as in `bench api`: the simulated switch placing
`calls_per_s` calls/s on a DID whose flow queues them to voice agents; `calldesk serve` with a
`digital:` section (controller, HTTP API, public chat endpoint and SMS webhooks in one gevent
hub); the clients (`calldesk.bench.digital_clients`): one `/api/events` WebSocket per chat agent
(3 chats each, accepting every offer through the API), `conversations` visitors on the public
chat WebSocket, each opened through the chat flow and taken by an agent first, then `rate`
visitor messages/s and `sms_per_s` signed provider webhooks/s while the calls run.

Reported: `message_to_agent_p50/p99_ms` from the message's acceptance (the journal time of its
`message.received`, stamped when `receive()` starts storing it) to its arrival on the agent's
socket (one machine, one clock); `visitor_to_agent_p99_ms` from the visitor's send; counts of
what was said, stored (acked), delivered, and the voice calls placed and answered."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from calldesk.bench.api import FLOW, PASSWORD, _free_port, _post, _switch_process, wait_for_serve

CHAT_FLOW = "flow: webbench\nentry: q\nsteps:\n  q: {kind: enqueue, queue: web}\n"
SMS_FLOW = "flow: textbench\nentry: q\nsteps:\n  q: {kind: enqueue, queue: text}\n"
SMS_TOKEN_ENV = "CALLDESK_BENCH_SMS_TOKEN"


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 2)


def _config(tmp: Path, sim_port: int, port: int, voice: int, chat: int) -> Path:
    import yaml

    flows = tmp / "flows"
    flows.mkdir()
    (flows / "bench.yaml").write_text(FLOW)
    (flows / "webbench.yaml").write_text(CHAT_FLOW)
    (flows / "textbench.yaml").write_text(SMS_FLOW)
    agents = [
        {"id": f"v{i}", "contact": f"user/{2000 + i}", "queues": ["bench"]} for i in range(voice)
    ] + [
        {
            "id": f"c{i}",
            "contact": f"user/{5000 + i}",
            "queues": ["web"],
            "capacity": {"voice": 1, "chat": 3, "sms": 3, "email": 5},
        }
        for i in range(chat)
    ]
    cfg = {
        "switches": [{"name": "sim1", "host": "127.0.0.1", "port": sim_port, "password": PASSWORD}],
        "store": {"path": str(tmp / "bench.sqlite")},
        "http": {"host": "127.0.0.1", "port": port},
        "flows": {"dir": str(flows), "reload_interval": 60.0},
        "recordings": {"dir": str(tmp / "rec")},
        "log": {"level": "WARNING"},
        "queues": [
            {"name": "bench", "wrap_up_s": 0.5},
            {"name": "web", "wrap_up_s": 0.5},
            {"name": "text"},
        ],
        "agents": agents,
        "users": [{"id": "boss", "role": "admin"}],
        "digital": {
            "flows": {"chat": "webbench", "sms": "textbench"},
            "chat": {"sessions_per_minute": 100000, "messages_per_minute": 600},
            "sms": {
                "sender": "+15550001111",
                "provider": {
                    "api": "http://127.0.0.1:9",
                    "account_sid": "ACbench",
                    "auth_token_env": SMS_TOKEN_ENV,
                    "public_url": f"http://127.0.0.1:{port}",
                },
            },
        },
    }
    path = tmp / "calldesk.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def run(
    conversations: int = 1000,
    rate: float = 200.0,
    seconds: float = 20.0,
    sms_per_s: float = 50.0,
    calls_per_s: float = 20.0,
    talk_s: float = 2.0,
) -> dict[str, Any]:
    from calldesk.store import Store
    from calldesk.web.credentials import Credentials

    tmpdir = tempfile.TemporaryDirectory(prefix="calldesk-bench-digital-")
    tmp = Path(tmpdir.name)
    voice = max(5, math.ceil(calls_per_s * (talk_s + 1.5) * 1.5))
    chat = math.ceil(conversations / 3) + 5
    ctx = multiprocessing.get_context("spawn")
    port_queue, done, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    sim = ctx.Process(
        target=_switch_process,
        daemon=True,
        args=(port_queue, go, done, calls_per_s, seconds, voice, talk_s),
    )
    sim.start()
    serve = clients = None
    token = "bench-sms-token-" + os.urandom(8).hex()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", SMS_TOKEN_ENV: token}
    try:
        port = _free_port()
        cfg = _config(tmp, port_queue.get(timeout=60), port, voice, chat)
        store = Store.open(tmp / "bench.sqlite")
        creds = Credentials(store, time.time)
        tokens = {
            u: creds.create_token(u, "bench")[1] for u in ["boss", *(f"c{i}" for i in range(chat))]
        }
        log = open(tmp / "serve.log", "w")  # a file, not a pipe nobody drains: never blocks
        serve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "calldesk.cli.main",
                "-c",
                str(cfg),
                "serve",
                "--status-every",
                "3600",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        wait_for_serve(serve, tmp / "serve.log", 90)
        for a in [*(f"v{i}" for i in range(voice)), *(f"c{i}" for i in range(chat))]:
            _post(port, tokens["boss"], f"/api/agents/{a}/login", {"ready": True})
        since = store.db.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0]
        settings = {
            "since": since,
            "conversations": conversations,
            "rate": rate,
            "seconds": seconds,
            "sms_per_s": sms_per_s,
            "sms_token": token,
            "public_url": f"http://127.0.0.1:{port}",
            "open_limit_s": 60 + conversations / 10,
            "agents": {f"c{i}": tokens[f"c{i}"] for i in range(chat)},
        }
        (tmp / "clients.json").write_text(json.dumps(settings))
        clients = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "calldesk.bench.digital_clients",
                str(port),
                str(tmp / "clients.json"),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        # a client process that stalls is killed: its lines then read empty, never hang
        deadline = time.monotonic() + settings["open_limit_s"] + seconds + 240
        ready = json.loads(_line(clients, deadline) or "{}")
        cpu0, wall0 = _cpu(serve.pid), time.monotonic()
        go.set()
        clients.stdin.write("go\n")  # type: ignore[union-attr]
        clients.stdin.flush()  # type: ignore[union-attr]
        out = json.loads(_line(clients, deadline) or "{}")
        cpu_s, wall_s = _cpu(serve.pid) - cpu0, time.monotonic() - wall0
        placed, place_s = done.get(timeout=seconds + 120)
        db = store.db
        answered = db.execute(
            "SELECT count(*) FROM journal WHERE id > ? AND kind = 'interaction.answered'"
            " AND subject LIKE 'v-%'",
            [since],
        ).fetchone()[0]
        sms_stored = db.execute(
            "SELECT count(*) FROM digital_messages WHERE external_id LIKE 'sms:%'"
        ).fetchone()[0]
        lat, e2e = out.get("accepted_to_socket", []), out.get("sent_to_socket", [])
        return {
            "conversations": conversations,
            "chats_with_agents": ready.get("connected"),
            "open_s": ready.get("open_s"),
            "chat_agents_on_websocket": ready.get("agents"),
            "rate_per_s": rate,
            "messages_said": out.get("said"),
            "messages_stored": out.get("acked"),
            "delivered": out.get("delivered"),
            "message_to_agent_p50_ms": _pct(lat, 0.5),
            "message_to_agent_p99_ms": _pct(lat, 0.99),
            "message_to_agent_max_ms": _pct(lat, 1.0),
            "visitor_to_agent_p50_ms": _pct(e2e, 0.5),
            "visitor_to_agent_p99_ms": _pct(e2e, 0.99),
            "sms_per_s": sms_per_s,
            "sms_sent": out.get("sms_sent"),
            "sms_status": out.get("sms_status"),
            "sms_stored": sms_stored,
            "target_calls_per_s": calls_per_s,
            "calls_placed": placed,
            "placed_per_s": round(placed / place_s, 1) if place_s else None,
            "calls_answered": answered,
            "accept_status": out.get("accepts"),
            "serve_cpu_s": round(cpu_s, 1) if cpu_s >= 0 else None,
            # serve's CPU over the load's wall time: near the box's fair share means starved
            "serve_cpu_share": round(cpu_s / wall_s, 2) if cpu_s >= 0 and wall_s else None,
            "load_average_1m": round(os.getloadavg()[0], 1),
            "seconds": seconds,
            "client_problems": out.get("problems", []),
            "serve_log_tail": [
                x
                for x in (tmp / "serve.log").read_text().splitlines()
                if "ERROR" in x or "Traceback" in x
            ][-5:],
        }
    finally:
        for p in (clients, serve):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
        sim.terminate()
        sim.join(timeout=5)
        keep = os.environ.get("CALLDESK_BENCH_LOG")  # where to keep serve's log, if anywhere
        if keep and (tmp / "serve.log").exists():
            Path(keep).write_text((tmp / "serve.log").read_text())
        tmpdir.cleanup()


def _line(proc: subprocess.Popen, deadline: float) -> str:
    """The process's next line, or "" (and the process killed) if none comes by `deadline`.
    (No watchdog thread: a thread started here upset later WebSocket tests in the same process.)"""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
    if not ready:
        proc.kill()
        return ""
    return proc.stdout.readline()


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process, from /proc; -1 where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return -1.0

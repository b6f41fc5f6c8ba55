"""`calldesk serve` itself (a separate process) against the simulated switch, with http.port
set: the OpenAPI document, 401 without credentials, /metrics from loopback, and a refused
exposed plain-text bind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import gevent
import yaml
from tests.integration.recording.simcall import PASSWORD, start_sim
from tests.integration.web.conftest import in_thread


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")


def _config(tmp_path, sim_port: int, http: dict) -> str:
    (tmp_path / "flows").mkdir(exist_ok=True)
    cfg = {"switches": [{"name": "sim1", "host": "127.0.0.1", "port": sim_port,
                         "password": PASSWORD}],
           "store": {"path": str(tmp_path / "db.sqlite")}, "http": http,
           "flows": {"dir": str(tmp_path / "flows")}, "recordings": {"dir": str(tmp_path / "rec")},
           "queues": [{"name": "sales"}],
           "agents": [{"id": "a1", "contact": "user/1001", "queues": ["sales"]}]}  # fmt: skip
    path = tmp_path / "calldesk.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def test_serve_runs_the_api(tmp_path) -> None:
    sim = start_sim(tmp_path / "rec")
    port = _port()
    cfg = _config(tmp_path, sim.port, {"host": "127.0.0.1", "port": port})
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "calldesk.cli.main", "-c", cfg, "serve"],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ})  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "http:" not in (tmp_path / "serve.log").read_text():
            assert proc.poll() is None and time.monotonic() < deadline, (
                (tmp_path / "serve.log").read_text())
            gevent.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        status, body, _ = in_thread(_get, base + "/api/openapi.json")
        doc = json.loads(body)
        assert status == 200 and doc["openapi"] == "3.1.0" and "/api/agents" in doc["paths"]
        status, body, _ = in_thread(_get, base + "/api/agents")
        assert status == 401 and json.loads(body)["error"] == "unauthorized"
        status, body, ctype = in_thread(_get, base + "/metrics")
        assert status == 200 and ctype.startswith("text/plain")
        assert b'calldesk_switch_up{switch="sim1"} 1.0' in body
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        sim.stop()


def test_serve_refuses_an_exposed_plain_bind(tmp_path) -> None:
    sim = start_sim(tmp_path / "rec")
    cfg = _config(tmp_path, sim.port, {"host": "0.0.0.0", "port": _port()})
    try:
        done = in_thread(lambda: subprocess.run(
            [sys.executable, "-m", "calldesk.cli.main", "-c", cfg, "serve"],
            capture_output=True, text=True, timeout=60))  # fmt: skip
        assert done.returncode != 0
        assert "http.host: 0.0.0.0 is not loopback" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    finally:
        sim.stop()

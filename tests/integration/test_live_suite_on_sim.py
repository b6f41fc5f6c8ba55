"""The `live_freeswitch` suite, run against `calldesk sim` in real time (its own process, over
TCP), so the live tests themselves are exercised before anyone points them at a real switch:
a wrong assumption in a live test shows up here first. (What the sim cannot stand in for, SIPp
and gateways, skips itself.)"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.timeout(300)
def test_live_suite_passes_against_the_simulated_switch(tmp_path) -> None:
    port, password = free_port(), "live-on-sim-pw-2b7e"
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    env = {**os.environ, "CALLDESK_SIM_PASSWORD": password}
    sim = subprocess.Popen(
        [sys.executable, "-m", "calldesk.cli.main", "sim", "--port", str(port),
         "--recordings-dir", str(recordings)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert sim.poll() is None and time.monotonic() < deadline, "sim did not start"
                time.sleep(0.1)
        env["CALLDESK_ESL_URL"] = f"esl://:{password}@127.0.0.1:{port}"
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/live", "-p", "no:cacheprovider",
             "--timeout=60", "-rs"],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=280,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        passed = re.search(r"(\d+) passed", run.stdout)
        assert passed and int(passed.group(1)) >= 20, run.stdout[-2000:]
    finally:
        sim.terminate()
        sim.wait(10)

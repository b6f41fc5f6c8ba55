"""The `live_freeswitch` suite, run against `calldesk sim` in real time (its own process, over
TCP), so the live tests themselves are exercised before anyone points them at a real switch:
a wrong assumption in a live test shows up here first.

Hermetic (issue 9): the sim runs a configuration rendered here, into a temporary directory with
its own store (`calldesk sim --fsconf`), so what the rendered config lacks fails here too; and a
fake `sipp` comes first on PATH, so whatever SIPp the machine has (or not) changes nothing. The
SIP tests, which need a real SIP stack, must then skip and say why -- not fail, and not run."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
SIP_TEST_FILES = ("test_inbound_path_live.py", "test_media_config_live.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_live_config(tmp: Path, env: dict[str, str]) -> Path:
    """tests/live/calldesk-live.yaml with every path in `tmp`, rendered to `tmp/fs`."""
    data = yaml.safe_load((ROOT / "tests/live/calldesk-live.yaml").read_text())
    data["store"] = {"path": str(tmp / "live.sqlite")}
    data["flows"] = {"dir": str(ROOT / "ivrflows"), "prompts_dir": str(ROOT / "ivrflows/prompts")}
    data["recordings"] = {"dir": str(tmp / "recordings")}
    (tmp / "live.yaml").write_text(yaml.safe_dump(data))
    out = tmp / "fs"
    run = subprocess.run(
        [sys.executable, "-m", "calldesk.cli.main", "-c", str(tmp / "live.yaml"), "fsconf",
         "render", "--out", str(out)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return out


def fake_sipp(tmp: Path) -> Path:
    """A `sipp` that is not SIPp: it prints nothing SIPp would and fails."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    script = bin_dir / "sipp"
    script.write_text("#!/bin/sh\necho 'not sipp' >&2\nexit 3\n")
    script.chmod(0o755)
    return bin_dir


@pytest.mark.timeout(300)
def test_live_suite_passes_against_the_simulated_switch(tmp_path) -> None:
    port, password = free_port(), "live-on-sim-pw-2b7e"
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    env = {**os.environ, "CALLDESK_SIM_PASSWORD": password, "CALLDESK_ESL_PASSWORD": password}
    env["PATH"] = f"{fake_sipp(tmp_path)}{os.pathsep}{env.get('PATH', '')}"
    fsconf = render_live_config(tmp_path, env)
    sim = subprocess.Popen(
        [sys.executable, "-m", "calldesk.cli.main", "sim", "--port", str(port),
         "--recordings-dir", str(recordings), "--fsconf", str(fsconf)],
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
        skips = [ln for ln in run.stdout.splitlines() if ln.startswith("SKIPPED")]
        for name in SIP_TEST_FILES:  # skipped with the reason, whatever sipp is on PATH
            line = next((ln for ln in skips if name in ln), None)
            assert line is not None and "no SIP stack" in line, (name, skips)
    finally:
        sim.terminate()
        sim.wait(10)
        if sim.stdout:
            sim.stdout.close()

"""What the SIP live tests need, prepared or refused with a reason (never half-run):

- a switch that runs the rendered live configuration (`calldesk -c tests/live/calldesk-live.yaml
  fsconf render`): its `calldesk_trunks` SIP profile answers `sofia status profile`. A simulated
  switch has no SIP stack, so those tests skip there and say so;
- SIPp (`sipp`, Debian package sip-tester) that really is SIPp (`sipp -v` names itself);
- free UDP ports for every SIPp process, and a finalizer that kills whatever is still running,
  so a failed run leaves nothing bound for the next one.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import gevent
import pytest

HERE = Path(__file__).parent
TRUNKS_PROFILE = "calldesk_trunks"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_sip_site(conn) -> None:  # type: ignore[no-untyped-def]
    """Skip unless the switch runs the rendered live config (its SIP profiles)."""
    out = conn.api("sofia", f"status profile {TRUNKS_PROFILE}", check=False)
    if "Command not found" in out:
        pytest.skip("the switch has no SIP stack (mod_sofia): a simulated switch; "
                    "SIP live tests need FreeSWITCH running the rendered live config")  # fmt: skip
    if TRUNKS_PROFILE not in out or "Invalid Profile" in out:
        pytest.skip(f"SIP profile {TRUNKS_PROFILE} is not loaded: run FreeSWITCH with "
                    "`calldesk -c tests/live/calldesk-live.yaml fsconf render` output")  # fmt: skip


def require_sipp() -> str:
    path = shutil.which("sipp")
    if path is None:
        pytest.skip("sipp is not installed (apt-get install sip-tester)")
    try:
        out = subprocess.run([path, "-v"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"{path} does not run: {exc}")
    if not re.search(r"SIPp v\d", out.stdout + out.stderr):
        pytest.skip(f"{path} is not SIPp (`sipp -v` does not name a SIPp version)")
    return path


class Sipp:
    """Starts SIPp processes on free ports; `close()` (a finalizer) kills what still runs."""

    def __init__(self, binary: str, host: str) -> None:
        self.binary = binary
        self.host = host
        self.procs: list[subprocess.Popen] = []

    def start(self, *args: str, port: int = 0) -> tuple[subprocess.Popen, int]:
        """`port` 0: a free one (a gateway's proxy names a fixed one)."""
        port = port or free_udp_port()
        proc = subprocess.Popen(
            [self.binary, *args, "-p", str(port), "-i", self.host, "-nostdin", "-trace_err"],
            cwd=HERE / "sipp", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.procs.append(proc)
        return proc, port

    def phone(self, *extra: str) -> tuple[subprocess.Popen, int]:
        """An answering UAS phone. `-aa` answers INFO/NOTIFY/OPTIONS/UPDATE with 200: the
        caller's SIP INFO digit reaches the bridged phone, and the stock UAS aborts on it."""
        return self.start("-sn", "uas", "-aa", *extra)

    def finish(self, proc: subprocess.Popen, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            gevent.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
        return proc.wait()

    def output(self, proc: subprocess.Popen) -> str:
        return proc.stdout.read().decode(errors="replace") if proc.stdout else ""

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            if proc.stdout:
                proc.stdout.close()

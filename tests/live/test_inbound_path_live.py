"""The whole inbound path against a real FreeSWITCH started with the rendered configuration,
with SIPp as the caller and as the agent's phone (see README: "Live tests").

FreeSWITCH must run `calldesk -c tests/live/calldesk-live.yaml fsconf render` output, so the
trunk profile (5080) accepts 127.0.0.1 and the agents' profile (5060) knows user 1001 with the
password stored in that config's store. Needs `sipp` (Debian: sip-tester) and CALLDESK_ESL_URL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import gevent
import pytest

from calldesk.app import build
from calldesk.config import load_config
from calldesk.fsconf.credentials import SipCredentials
from calldesk.store import Store

pytestmark = pytest.mark.live_freeswitch

HERE = Path(__file__).parent
SIP_HOST = os.environ.get("CALLDESK_LIVE_SIP_HOST", "127.0.0.1")
DOMAIN = os.environ.get("CALLDESK_LIVE_DOMAIN", "127.0.0.1")


def sipp(*args: str) -> subprocess.Popen:
    return subprocess.Popen(["sipp", *args, "-nostdin", "-trace_err"], cwd=HERE / "sipp",
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip


def finish(proc: subprocess.Popen, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        gevent.sleep(0.1)
    if proc.poll() is None:
        proc.kill()
    return proc.wait()


@pytest.fixture
def live_controller(tmp_path):
    if not os.environ.get("CALLDESK_ESL_URL"):
        pytest.skip("CALLDESK_ESL_URL is not set")
    if shutil.which("sipp") is None:
        pytest.skip("sipp is not installed (apt-get install sip-tester)")
    config = load_config(HERE / "calldesk-live.yaml")
    controller = build(config)
    assert all(controller.start(wait=10).values())
    yield controller
    controller.stop()


def journal_kinds(store: Store, subject: str) -> list[str]:
    return [e.kind for e in store.journal.read(subject=subject)]


def test_caller_to_agent_over_sip(live_controller) -> None:
    store = live_controller.store
    password = SipCredentials(store.db).get("1001", DOMAIN)
    assert password, "render the live config first: its store holds the agent's SIP password"
    phone = sipp("-sn", "uas", "-p", "5092", "-i", SIP_HOST, "-m", "1")
    register = sipp(f"{SIP_HOST}:5060", "-sf", "register.xml", "-s", "1001", "-au", "1001", "-ap", password,
                    "-key", "contact_port", "5092", "-p", "5091", "-i", SIP_HOST, "-m", "1")  # fmt: skip
    assert finish(register, 15) == 0, register.stdout.read().decode()
    live_controller.acd.login("live1", ready=True)
    t0 = time.time()  # the store outlives runs: only this call's interaction counts
    caller = sipp(f"{SIP_HOST}:5080", "-sf", "caller.xml", "-s", "15550000000", "-key", "dtmf", "1",
                  "-key", "talk_ms", "8000", "-p", "5093", "-i", SIP_HOST, "-m", "1")  # fmt: skip
    assert finish(caller, 60) == 0, caller.stdout.read().decode()
    assert finish(phone, 15) == 0, phone.stdout.read().decode()
    arrived = list(store.journal.read(kind="interaction.arrived", since=t0 - 1))
    assert arrived, "the flow enqueued the caller"
    iid = arrived[-1].subject
    with gevent.Timeout(15):
        while "interaction.ended" not in journal_kinds(store, iid):
            gevent.sleep(0.1)
    kinds = journal_kinds(store, iid)
    assert (
        kinds.index("interaction.arrived")
        < kinds.index("interaction.answered")
        < kinds.index("interaction.ended")
    )
    assert "interaction.bridged" in kinds
    pops = list(store.db["screen_pops"].rows_where("interaction = ?", [iid]))
    assert pops and "hello" in str(pops[0])
    with gevent.Timeout(15):  # wrap-up (3 s in the live config), then available again
        while live_controller.acd.acd.agents["live1"].state.value != "available":
            gevent.sleep(0.1)

"""The sim runs what `calldesk fsconf render` wrote (sim/site.py load_fsconf), so a configuration
that lacks the RTP timer or the languages section fails in CI the way the real switch fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.protocol.sim_client import RawClient

from calldesk.config import load_config
from calldesk.fsconf import render_config
from calldesk.fsconf.credentials import SipCredentials
from calldesk.sim import SimSwitch
from calldesk.sim.site import READ_STALL, load_fsconf
from calldesk.store.database import Store

ROOT = Path(__file__).resolve().parents[3]
ENV = {"CALLDESK_ESL_PASSWORD": "Esl-Strong-Pass-9", "CARRIER_A_USERNAME": "acct-7",
       "CARRIER_A_PASSWORD": "Carrier-A-Pass-1"}  # fmt: skip


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("fsconf")
    shutil.copy(ROOT / "calldesk.yaml", tmp / "calldesk.yaml")
    shutil.copytree(ROOT / "ivrflows", tmp / "ivrflows")
    store = Store.open(":memory:")
    try:
        cfg = load_config(tmp / "calldesk.yaml", env={})
        render_config(cfg, tmp / "fs", env=ENV, credentials=SipCredentials(store.db))
    finally:
        store.close()
    return tmp / "fs"


def _tampered(rendered: Path, tmp_path: Path, rel: str, old: str, new: str) -> Path:
    out = tmp_path / "fs"
    shutil.copytree(rendered, out)
    text = (out / rel).read_text()
    assert old in text
    (out / rel).write_text(text.replace(old, new))
    return out


def _call(sw: SimSwitch) -> tuple[RawClient, str]:
    c = RawClient.connect(sw.port)
    c.wait_for(lambda f: f.content_type == "auth/request")
    assert c.command(f"auth {sw.password}\n\n").reply_text == "+OK accepted"
    c.command("event plain ALL\n\n")
    caller = sw.inject_call("5551000")  # a carrier call: the trunks profile (`external`)
    c.wait_event("CHANNEL_PARK", Unique_ID=caller)
    return c, caller


def _dtmf_delay(sw: SimSwitch, c: RawClient, caller: str) -> float:
    t0 = sw.clock.epoch()
    c.command(f"api uuid_recv_dtmf {caller} 5\n\n")
    ev = c.wait_event("DTMF", timeout=10, Unique_ID=caller).event()
    return int(ev.get("Event-Date-Timestamp")) / 1e6 - t0


def _said(c: RawClient, caller: str) -> bool:
    n = len(c.frames)
    c.command(f"sendmsg {caller}\ncall-command: execute\nexecute-app-name: say\n"
              "execute-app-arg: en number pronounced 7\nEvent-UUID: 1f0e7b6a-say\n\n")  # fmt: skip
    c.wait_event("CHANNEL_EXECUTE_COMPLETE", timeout=10, start=n, Application_UUID="1f0e7b6a-say")
    return any(e.name == "PLAYBACK_START" for e in (f.event() for f in c.frames[n:]
               if f.content_type == "text/event-plain"))  # fmt: skip


def _run(fsdir: Path, tmp_path: Path) -> tuple[float, bool, str]:
    sw = SimSwitch(password="ClueCon-site-1", time_scale=10.0, recordings_dir=tmp_path,
                   site=load_fsconf(fsdir)).start()  # fmt: skip
    try:
        c, caller = _call(sw)
        delay, said = _dtmf_delay(sw, c, caller), _said(c, caller)
        absent = c.command("api originate user/1099 &park()\n\n").text
        return delay, said, absent
    finally:
        sw.stop()


def test_the_rendered_configuration_is_what_the_sim_runs(rendered: Path, tmp_path) -> None:
    site = load_fsconf(rendered)
    assert site.rtp_timers == {"external": "soft", "internal": "soft"}
    assert site.languages == {"en"}
    assert site.sessions_per_second == 61  # peak_calls_per_second 20 in calldesk.yaml
    assert {"1001", "1002"} <= (site.directory or set())
    delay, said, absent = _run(rendered, tmp_path)
    assert delay < READ_STALL and said
    assert absent == "-ERR SUBSCRIBER_ABSENT\n"  # 1099 is in no directory file


def test_without_the_rtp_timer_digits_come_5_s_late(rendered: Path, tmp_path) -> None:
    fsdir = _tampered(rendered, tmp_path, "sip_profiles/trunks.xml",
                      '<param name="rtp-timer-name" value="soft"/>', "")  # fmt: skip
    assert load_fsconf(fsdir).rtp_timers["external"] == ""
    delay, said, _ = _run(fsdir, tmp_path)
    assert delay >= READ_STALL - 0.01 and said


def test_without_the_languages_section_say_plays_nothing(rendered: Path, tmp_path) -> None:
    fsdir = _tampered(rendered, tmp_path, "freeswitch.xml",
                      '<section name="languages"', '<section name="x-languages"')  # fmt: skip
    assert load_fsconf(fsdir).languages is None
    delay, said, _ = _run(fsdir, tmp_path)
    assert delay < READ_STALL and not said

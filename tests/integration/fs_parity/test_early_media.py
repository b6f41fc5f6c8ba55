"""Early media ends an originate unless `ignore_early_media` is set, in FreeSWITCH and the sim.

switch_ivr_originate.c, switch_ivr_originate: `oglobals.early_ok = 1`, and check_channel_status
returns a peer that is answered *or* (early_ok and CF_EARLY_MEDIA); `ignore_early_media=true`
clears early_ok. mod_loopback.c, channel_receive_message: INDICATE_PROGRESS on the -b leg marks
the -a leg pre-answered. So an agent's phone, a supervisor's phone or a carrier that sends 183
with SDP would "answer" calldesk's `originate ... &park()` while still ringing; calldesk sets
ignore_early_media=true on every leg it originates.
"""

from __future__ import annotations

import time

import gevent
import pytest
from tests.integration.recording.simcall import bridged_call, start_board, start_sim, wait_for

from calldesk.auth import Directory
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.sim.api import run_api
from calldesk.store import Store
from calldesk.supervision.service import SupervisionService

EARLY = r"loopback/pre_answer\,park/default/inline"  # the -b twin sends early media, no answer


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="pw", time_scale=20.0, recordings_dir=tmp_path)
    yield s
    s.stop()


def _gone(sw: SimSwitch) -> bool:
    end = time.monotonic() + 5.0
    while time.monotonic() < end and any(not leg.hungup for leg in sw.legs.values()):
        gevent.sleep(0.02)
    return all(leg.hungup for leg in sw.legs.values())


def test_early_media_ends_a_plain_originate(sw: SimSwitch) -> None:
    out = run_api(sw, "originate", f"{{originate_timeout=2}}{EARLY} &park()")
    assert out.startswith("+OK "), out
    a = sw.legs[out.split()[1]]
    assert a.times["Progress-Media"] and not a.times["Answered"]
    run_api(sw, "uuid_kill", a.uuid)
    assert _gone(sw)


def test_ignore_early_media_waits_for_the_answer(sw: SimSwitch) -> None:
    out = run_api(
        sw, "originate", f"{{ignore_early_media=true,originate_timeout=2}}{EARLY} &park()"
    )
    assert out.strip() == "-ERR NO_ANSWER"
    assert _gone(sw)


def test_the_supervisor_leg_ignores_early_media(tmp_path) -> None:
    sim = start_sim(tmp_path / "rec")
    sim.add_phone("user/2001", PhoneBehavior.answer(after=0.2))
    board = start_board(sim)
    store = Store.open(tmp_path / "db.sqlite")
    try:
        directory = Directory.from_config(
            [{"id": "sup1", "role": "supervisor", "teams": ["red"], "contact": "user/2001"}],
            [{"id": "red", "agents": ["a1"]}],
        )
        svc = SupervisionService(board, store, directory)
        board.tracker.subscribe(svc.on_leg)
        bridged_call(sim, board)
        s = svc.start("sup1", "a1", "monitor")
        wait_for(lambda: s.status == "active", what="supervisor answered")
        assert sim.legs[s.supervisor_leg].variables.get("ignore_early_media") == "true"
        svc.stop("sup1", s.id)
    finally:
        board.stop()
        sim.stop()
        store.close()

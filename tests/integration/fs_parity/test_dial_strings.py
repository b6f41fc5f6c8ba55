"""Dial strings as FreeSWITCH reads them, and the simulated switch reading them the same way.

switch_ivr_originate.c, switch_ivr_originate: the dial string (after its `{...}` block) is split
on `|` and then on `,` into targets (`,` targets ring at once); switch_utils.c,
separate_string_char_delim skips an escaped delimiter and cleanup_separated_string turns `\\,`
back into `,`. mod_loopback.c, channel_outgoing_channel: `loopback/<dest>/<context>/<dialplan>`;
mod_dptools.c, inline_dialplan_hunt: with the `inline` dialplan <dest> is `app:arg` items
separated by `,` (or by X after `m:X:`). An endpoint type nobody registered fails with
CHAN_NOT_IMPLEMENTED (switch_core_session_outgoing_channel).
"""

from __future__ import annotations

import time

import gevent
import pytest
from tests.live.conftest import ANSWERS, NEVER_ANSWERS

from calldesk.sim import SimSwitch
from calldesk.sim.api import run_api
from calldesk.sim.originate import inline_apps, split_dial


@pytest.mark.parametrize(
    "dial, targets",
    [("loopback/answer,park/default/inline", ["loopback/answer", "park/default/inline"]),
     (r"loopback/answer\,park/default/inline", ["loopback/answer,park/default/inline"]),
     ("user/1001|user/1002", ["user/1001", "user/1002"]),
     ("[a=1,b=2]user/1001,[c=3]user/1002", ["[a=1,b=2]user/1001", "[c=3]user/1002"]),
     ("sofia/gateway/gw/+15551234", ["sofia/gateway/gw/+15551234"])],
)  # fmt: skip
def test_split_dial(dial: str, targets: list[str]) -> None:
    assert split_dial(dial) == targets


def test_inline_apps() -> None:
    assert inline_apps("answer,park") == [("answer", ""), ("park", "")]
    assert inline_apps("m:^:set:a=1^playback:tone_stream://%(100,0,440)") == [
        ("set", "a=1"), ("playback", "tone_stream://%(100,0,440)")]  # fmt: skip
    assert inline_apps("m:^:set:x=a,b^park") == [("set", "x=a,b"), ("park", "")]


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="pw", time_scale=20.0, recordings_dir=tmp_path)
    yield s
    s.stop()


def _wait(pred, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return True
        gevent.sleep(0.02)
    return bool(pred())


def _live(sw: SimSwitch) -> list:
    return [leg for leg in sw.legs.values() if not leg.hungup]


def test_unescaped_comma_dials_two_targets_and_fails(sw: SimSwitch) -> None:
    out = run_api(sw, "originate", "loopback/answer,park/default/inline &park()")
    assert out.startswith("-ERR "), out
    assert _wait(lambda: not _live(sw))


def test_the_live_tests_parked_loopback_answers_and_parks(sw: SimSwitch) -> None:
    out = run_api(sw, "originate", f"{ANSWERS} &park()")
    assert out.startswith("+OK "), out
    a = sw.legs[out.split()[1]]
    assert a.name == "loopback/answer,park-a" and a.times["Answered"]
    b = a.twin
    assert b is not None and b.times["Answered"]
    assert _wait(lambda: any(e.name == "CHANNEL_PARK" and e.uuid == a.uuid for e in sw.history))
    assert _wait(lambda: any(e.name == "CHANNEL_PARK" and e.uuid == b.uuid for e in sw.history))
    run_api(sw, "uuid_kill", a.uuid)
    assert _wait(lambda: not _live(sw))


def test_never_answers_rings_until_the_originate_timeout(sw: SimSwitch) -> None:
    out = run_api(sw, "originate", f"{{originate_timeout=2}}{NEVER_ANSWERS} &park()")
    assert out.strip() == "-ERR NO_ANSWER"
    assert _wait(lambda: not _live(sw))


def test_unknown_endpoint_type(sw: SimSwitch) -> None:
    assert run_api(sw, "originate", "park/default/inline &park()").strip() == (
        "-ERR CHAN_NOT_IMPLEMENTED"
    )

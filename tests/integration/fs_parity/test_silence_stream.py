"""The simulated switch plays `silence_stream://` as FreeSWITCH does.

mod_tone_stream.c, silence_stream_file_open: the duration is `atoi(path)` and anything not above
0 plays forever. switch_ivr_play_say.c, switch_play_and_get_digits: the invalid-input file is
played after every failed try, a no-input one included. So `play_and_get_digits ...
silence_stream://0 ...` never completes when nobody types, which is why the IVR passes
`silence_stream://1` (calldesk.ivr.voice.NO_INVALID_PROMPT).
"""

from __future__ import annotations

import time

import gevent
import pytest

from calldesk.ivr.voice import NO_INVALID_PROMPT
from calldesk.sim import SimSwitch
from calldesk.sim.api import run_api
from calldesk.sim.media import FOREVER, silence_stream_seconds


@pytest.mark.parametrize(
    "spec, seconds",
    [("silence_stream://250", 0.25), ("silence_stream://1", 0.001),
     ("silence_stream://0", FOREVER), ("silence_stream://-1", FOREVER),
     ("silence_stream://", FOREVER), ("silence_stream://300,1400", 0.3)],
)  # fmt: skip
def test_silence_stream_durations(spec: str, seconds: float) -> None:
    assert silence_stream_seconds(spec) == seconds


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="pw", time_scale=20.0, recordings_dir=tmp_path)
    yield s
    s.stop()


def _completed(sw: SimSwitch, uuid: str) -> list:
    return [e for e in sw.history if e.name == "CHANNEL_EXECUTE_COMPLETE" and e.uuid == uuid
            and e.get("Application") == "play_and_get_digits"]  # fmt: skip


def _collect(sw: SimSwitch, invalid: str) -> str:
    app = f"&play_and_get_digits(1 4 1 1000 # silence_stream://250 {invalid} pin [0-9]* 1000)"
    out = run_api(sw, "originate", f"loopback/5552000/public {app}")
    assert out.startswith("+OK "), out
    return out.split()[1]


def _wait(pred, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return True
        gevent.sleep(0.02)
    return bool(pred())


def test_no_input_with_a_one_ms_invalid_prompt_completes(sw: SimSwitch) -> None:
    uuid = _collect(sw, NO_INVALID_PROMPT)
    assert _wait(lambda: _completed(sw, uuid), 5.0)
    assert _completed(sw, uuid)[0].get("variable_read_result") == "timeout"
    run_api(sw, "uuid_kill", uuid)


def test_no_input_with_silence_stream_0_never_completes(sw: SimSwitch) -> None:
    uuid = _collect(sw, "silence_stream://0")
    # 1 s timeout + 0.25 s prompt is ~0.06 s of wall time at x20; give it ten times that.
    assert not _wait(lambda: _completed(sw, uuid), 1.0)
    run_api(sw, "uuid_kill", uuid)
    assert _wait(lambda: _completed(sw, uuid), 5.0)  # the hangup ends it

"""Recording against a real FreeSWITCH (CALLDESK_ESL_URL): uuid_record start, mask, unmask and
stop produce a valid WAV (checked with Python's wave module). Needs the switch's recordings
folder readable here (FreeSWITCH on this host): skipped otherwise."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import gevent
import pytest
from tests.live.conftest import parked_loopback

from calldesk.recording.recorder import Recorder
from calldesk.store import Store

pytestmark = pytest.mark.live_freeswitch


def wait_for(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    with gevent.Timeout(timeout, AssertionError(f"{what} not met in time")):
        while not predicate():
            gevent.sleep(0.02)


def test_record_mask_stop_makes_a_valid_wav(live_board, tmp_path) -> None:
    conn = next(iter(live_board.switches.values()))
    base = Path(
        os.environ.get("CALLDESK_LIVE_RECORDINGS")
        or conn.api("global_getvar", "recordings_dir").strip()
    )
    if not base.is_dir() or not os.access(base, os.W_OK):
        pytest.skip(f"the switch's recordings folder {base} is not writable from here")
    base = base / "calldesk-live-test"
    store = Store.open(tmp_path / "db.sqlite")
    leg = parked_loopback(conn)
    # mod_event_socket runs `api` on the listener thread: the originate's reply comes before
    # the new leg's queued events, so the tracker may not know the leg yet.
    wait_for(lambda: leg in live_board.tracker.legs, what="leg known")
    try:
        rec = Recorder(live_board, store, base)
        live_board.tracker.subscribe(rec.on_leg)
        row = rec.start("live-rec-1", leg, by="test")
        wait_for(lambda: live_board.tracker.legs[leg].recording, what="RECORD_START")
        gevent.sleep(1.0)
        assert rec.pci("live-rec-1", True) == 1
        gevent.sleep(1.0)
        rec.pci("live-rec-1", False)
        gevent.sleep(1.0)
        rec.stop("live-rec-1", by="test")
        wait_for(
            lambda: rec.index.get(row.id).status == "complete", what="settled from RECORD_STOP"
        )
        done = rec.index.get(row.id)
        with wave.open(str(base / done.path)) as w:
            assert w.getframerate() in (8000, 16000, 48000) and w.getsampwidth() == 2
            assert w.getnframes() / w.getframerate() >= 2.5
        assert [e.kind for e in store.journal.read(kind_prefix="recording.")] == [
            "recording.start", "recording.mask", "recording.unmask", "recording.stop", "recording.complete"]  # fmt: skip
    finally:
        conn.hangup(leg)
        store.close()

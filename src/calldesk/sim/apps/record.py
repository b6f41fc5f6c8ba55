"""Recording: uuid_record start|stop|mask|unmask (a media bug) and the record app.

The WAV is real (8 kHz mono 16-bit): a tone for recorded time, silence for masked time, its
length the recorded simulated time in whole 20 ms frames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..executor import app
from ..legs import AppFrame, Leg, LegGone
from ..wav import RATE, WavWriter

if TYPE_CHECKING:
    from ..switch import SimSwitch

FRAME = 0.02


class Recording:
    def __init__(self, sw: SimSwitch, leg: Leg, path: str, media_bug: bool = True) -> None:
        self.sw, self.leg, self.path, self.media_bug = sw, leg, path, media_bug
        self.writer = WavWriter(path)
        self.started = sw.clock.now()
        self.mark = self.started
        self.masked = False
        self.done = False

    def _frames(self, upto: float) -> int:
        return int(round((upto - self.started) / FRAME))

    def _flush(self) -> None:
        now = self.sw.clock.now()
        total = self._frames(now) * int(RATE * FRAME)
        samples = total - self.writer.samples
        if self.masked:
            self.writer.write_silence(samples)
        else:
            self.writer.write_tone(samples)
        self.mark = now

    def start(self) -> None:
        leg = self.leg
        leg.recordings[self.path] = self
        self.sw.fire(leg, "RECORD_START", post=[("Record-File-Path", self.path)])
        if self.media_bug:
            self.sw.fire(leg, "MEDIA_BUG_START", pre=self._bug())

    def _bug(self) -> list[tuple[str, str]]:
        return [("Media-Bug-Function", "session_record"), ("Media-Bug-Target", self.path)]

    def set_mask(self, masked: bool) -> None:
        self._flush()
        self.masked = masked

    def stop(self, cause: str = "success-maxtime") -> None:
        if self.done:
            return
        self.done = True
        self._flush()
        size = self.writer.close()
        leg = self.leg
        leg.recordings.pop(self.path, None)
        samples = self.writer.samples
        ms = samples * 1000 // RATE
        leg.set_var("record_file_size", str(size))
        leg.set_var("record_samples", str(samples))
        leg.set_var("record_seconds", str(ms // 1000))
        leg.set_var("record_ms", str(ms))
        leg.set_var("record_completion_cause", cause)
        self.sw.fire(
            leg,
            "RECORD_STOP",
            post=[("Record-File-Path", self.path), ("Record-Completion-Cause", cause)],
        )
        if self.media_bug:
            self.sw.fire(leg, "MEDIA_BUG_STOP", pre=self._bug())

    def crash(self) -> None:
        """Stop writing; the header keeps saying 0 data bytes."""
        if not self.done:
            self.done = True
            self._flush()
            self.writer.abandon()


def uuid_record(sw: SimSwitch, leg: Leg, action: str, path: str) -> str:
    """The api command's body for `uuid_record <uuid> <action> <path>`."""
    if action == "start":
        if not path:
            return "-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>]\n"
        Recording(sw, leg, sw.recording_path(path)).start()
        return "+OK Success\n"
    rec = leg.recordings.get(sw.recording_path(path))
    if action == "stop" and path == "all":
        for r in list(leg.recordings.values()):
            r.stop()
        return "+OK Success\n"
    if rec is None:
        return "-ERR Cannot execute command\n"
    if action == "stop":
        rec.stop()
    elif action in ("mask", "unmask"):
        rec.set_mask(action == "mask")
    else:
        return "-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>]\n"
    return "+OK Success\n"


@app("record")
def record(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    """`record <path> [limit_secs]`: until hangup, a `#`, or the limit."""
    parts = data.split()
    if not parts:
        return
    limit = float(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    rec = Recording(sw, leg, sw.recording_path(parts[0]), media_bug=False)
    rec.start()
    cause = "success-maxtime"
    try:
        deadline = None if limit is None else sw.clock.now() + limit
        while True:
            remaining = None if deadline is None else deadline - sw.clock.now()
            why = leg.wait(remaining, dtmf=True)
            if why == "hangup":
                raise LegGone()
            if why == "timeout":
                break
            if why == "dtmf":
                d = leg.dtmf.popleft()
                if d in "#*":
                    cause = "success-silence"
                    break
            else:
                leg.break_requested = False
                break
    finally:
        rec.stop(cause)

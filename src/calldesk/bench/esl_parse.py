"""ESL parse throughput on the recorded traces: our FrameReader against greenswitch's ESLEvent,
on the same bytes, in the same run."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

from greenswitch.esl import ESLEvent

from calldesk.esl.frames import FrameReader

DEFAULT_TRACES = Path(__file__).resolve().parents[3] / "tests" / "fixtures"


def load_streams(folder: Path) -> list[bytes]:
    streams = []
    for path in sorted(folder.glob("*.jsonl")):
        lines = path.read_text().splitlines()[1:]
        recs = [json.loads(line) for line in lines]
        streams.append(
            b"".join(
                r["data"].encode("utf-8", "surrogateescape") for r in recs if r["dir"] == "recv"
            )
        )
    return streams


# What the controller's intake reads of each event (connection.py `_on_event`, then the leg
# tracker); every other header is decoded only when a handler asks for it.
EVERY_EVENT = ("Event-Name", "Unique-ID", "Event-Sequence")
BY_EVENT = {"BACKGROUND_JOB": "Job-UUID", "CHANNEL_EXECUTE_COMPLETE": "Application-UUID"}


def ours(stream: bytes) -> int:
    """Frame the stream, parse every event and read the headers the intake reads."""
    events = 0
    for frame in FrameReader().feed(stream):
        if frame.is_event():
            event = frame.event()
            for name in EVERY_EVENT:
                event.get(name)
            if (extra := BY_EVENT.get(event.name)) is not None:
                event.get(extra)
            events += 1
    return events


def greenswitch(stream: bytes) -> int:
    """greenswitch's own receive_events/handle_event logic over a file-like stream."""
    sock_file = io.BytesIO(stream)
    events = 0
    buf = ""
    while True:
        line = sock_file.readline()
        if not line:
            break
        data = line.decode("utf-8")
        if data != "\n":
            buf += data
            continue
        event = ESLEvent(buf)
        buf = ""
        ctype = event.headers.get("Content-Type")
        length = int(event.headers.get("Content-Length", 0) or 0)
        if ctype in ("text/event-plain", "text/event-json"):
            body = sock_file.read(length).decode("utf-8")
            event.parse_data(body)  # what greenswitch does with every event body
            events += 1
        elif length:
            sock_file.read(length)
    return events


def measure(fn, streams: list[bytes], min_seconds: float) -> tuple[float, int]:
    count, rounds, start = 0, 0, time.perf_counter()
    while True:
        for stream in streams:
            count += fn(stream)
        rounds += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return count / elapsed, count // rounds


def comparable(streams: list[bytes]) -> tuple[list[bytes], int]:
    """The streams greenswitch can parse at all (its parse_data crashes on JSON events)."""
    ok = []
    for stream in streams:
        try:
            greenswitch(stream)
        except Exception:
            continue
        ok.append(stream)
    return ok, len(streams) - len(ok)


def run(folder: Path = DEFAULT_TRACES, seconds: float = 2.0, repeats: int = 3) -> dict:
    streams, greenswitch_failed = comparable(load_streams(folder))
    best_ours = best_gs = 0.0
    per_round = 0
    for _ in range(repeats):  # interleave so machine noise hits both sides alike
        rate, per_round = measure(ours, streams, seconds / repeats)
        best_ours = max(best_ours, rate)
        rate_gs, _ = measure(greenswitch, streams, seconds / repeats)
        best_gs = max(best_gs, rate_gs)
    return {
        "traces": len(streams),
        "traces_greenswitch_cannot_parse": greenswitch_failed,
        "events_per_round": per_round,
        "bytes_per_round": sum(map(len, streams)),
        "events_per_s": round(best_ours),
        "greenswitch_events_per_s": round(best_gs),
        "ratio": round(best_ours / best_gs, 2) if best_gs else None,
    }

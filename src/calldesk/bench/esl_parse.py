"""ESL intake throughput on the recorded traces: calldesk's real intake against greenswitch, on the
same bytes, in the same run.

calldesk's side is the real code: the FrameReader frames the bytes, and every event frame goes
through `SwitchConnection._on_frame` with the controller's inline handlers attached (the leg
tracker through a Switchboard, the IVR's LegRouter). Whatever headers that code reads, it reads.

greenswitch's side is its own receive/parse loop (it decodes every header of every event), then
reads the same headers calldesk's intake read for that kind of event, and walks all headers
where calldesk's intake walked them. That set is not kept by hand: `intake_reads` replays the
traces through the intake once with the header accessors instrumented and records what was
asked for.

Rounds run in pairs (calldesk, then greenswitch, back to back) so machine noise hits both alike;
the reported ratio is the median of the pairs' ratios. Time is the process's CPU time: on a
shared machine, wall time also counts the moments another process had the core.
"""

from __future__ import annotations

import io
import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from greenswitch.esl import ESLEvent

from calldesk.esl import frames
from calldesk.esl.connection import SwitchConnection, SwitchSettings
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


def _intake() -> SwitchConnection:
    """A controller-side connection with the inline handlers `serve` attaches (no socket)."""
    from calldesk.ivr.legrouter import LegRouter
    from calldesk.telephony.switchboard import Switchboard

    conn = SwitchConnection(SwitchSettings("bench", "127.0.0.1", 0, "unused-bench-pw"))
    Switchboard([conn])
    LegRouter(conn)
    return conn


def ours(stream: bytes, conn: SwitchConnection | None = None) -> int:
    """Frame the stream and run every event frame through the real intake (a fresh one per
    stream: a trace's legs are new to it; building it is not timed, a controller does it once)."""
    on_frame = (conn or _intake())._on_frame
    events = 0
    for frame in FrameReader().feed(stream):
        if frame.is_event():
            on_frame(frame)
            events += 1
    return events


# -- what the intake reads, found by running it ---------------------------------------------


@contextmanager
def _recording(log: list[tuple[str, str]]) -> Iterator[None]:
    """Record (kind, header) for every header access: kind "get", or "walk" for a full walk."""
    cls, lazy = frames.Headers, frames.LazyHeaders
    saved = {(k, n): getattr(k, n) for k in (cls, lazy) for n in ("get", "_all")}
    saved_prefixed = cls.__dict__.get("prefixed"), lazy.__dict__.get("prefixed")

    def wrap_get(orig: Callable[..., Any]) -> Callable[..., Any]:
        def get(self: Any, name: str, default: str | None = None) -> Any:
            log.append(("get", name))
            return orig(self, name, default)

        return get

    def wrap_all(orig: Callable[..., Any]) -> Callable[..., Any]:
        def _all(self: Any) -> Any:
            log.append(("walk", "*"))
            return orig(self)

        return _all

    def wrap_prefixed(orig: Callable[..., Any]) -> Callable[..., Any]:
        def prefixed(self: Any, prefix: str) -> Any:
            log.append(("prefix", prefix))
            return orig(self, prefix)

        return prefixed

    try:
        for (k, n), orig in saved.items():
            setattr(k, n, (wrap_get if n == "get" else wrap_all)(orig))
        for k, orig in zip((cls, lazy), saved_prefixed, strict=True):
            if orig is not None:
                k.prefixed = wrap_prefixed(orig)  # type: ignore[method-assign]
        yield
    finally:
        for (k, n), orig in saved.items():
            setattr(k, n, orig)
        for k, orig in zip((cls, lazy), saved_prefixed, strict=True):
            if orig is not None:
                k.prefixed = orig  # type: ignore[method-assign]


def intake_reads(streams: list[bytes]) -> dict[str, dict[str, list[str]]]:
    """Per event name: the headers the intake got (`get`), the prefixes it scanned (`prefix`) and
    whether it walked every header (`walk`), recorded while replaying the streams."""
    reads: dict[str, dict[str, set[str]]] = {}
    for stream in streams:
        conn = _intake()
        for frame in FrameReader().feed(stream):
            if not frame.is_event():
                continue
            log: list[tuple[str, str]] = []
            with _recording(log):
                conn._on_frame(frame)
            event = frame.event()
            name = event.name if event is not None else ""
            seen = reads.setdefault(name, {"get": set(), "prefix": set(), "walk": set()})
            for kind, header in log:
                seen[kind].add(header)
    return {
        name: {kind: sorted(v) for kind, v in seen.items()} for name, seen in sorted(reads.items())
    }


# -- greenswitch ------------------------------------------------------------------------------


def greenswitch(stream: bytes, reads: dict[str, dict[str, list[str]]] | None = None) -> int:
    """greenswitch's own receive_events/handle_event logic over a file-like stream, then the
    reads calldesk's intake made of each event (`reads`, from `intake_reads`)."""
    sock_file = io.BytesIO(stream)
    events = 0
    buf = ""
    reads = reads or {}
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
            headers = event.headers
            want = reads.get(headers.get("Event-Name") or "")
            if want is not None:
                for name in want["get"]:
                    headers.get(name)
                for prefix in want["prefix"]:
                    [v for k, v in headers.items() if k.startswith(prefix)]
                if want["walk"]:
                    list(headers.items())
            events += 1
        elif length:
            sock_file.read(length)
    return events


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


def _rate(
    fn: Callable[[bytes, Any], int],
    streams: list[bytes],
    min_seconds: float,
    prepare: Callable[[], Any] = lambda: None,
) -> float:
    """Events per second of `fn` over every stream, repeated for at least `min_seconds` of
    measured time; `prepare` (untimed) makes each stream's fresh state."""
    count, elapsed = 0, 0.0
    while elapsed < min_seconds:
        states = [prepare() for _ in streams]
        start = time.process_time()
        for stream, state in zip(streams, states, strict=True):
            count += fn(stream, state)
        elapsed += time.process_time() - start
    return count / elapsed


def run(folder: Path = DEFAULT_TRACES, seconds: float = 6.0, rounds: int = 7) -> dict[str, Any]:
    """`rounds` pairs, `seconds` in all split between them."""
    import gc

    streams, greenswitch_failed = comparable(load_streams(folder))
    reads = intake_reads(streams)
    events = sum(ours(s) for s in streams)
    per_side = seconds / rounds / 2

    def theirs(stream: bytes, _: Any) -> int:
        return greenswitch(stream, reads)

    pairs = []
    for _ in range(rounds):
        gc.collect()
        rate_ours = _rate(ours, streams, per_side, _intake)
        gc.collect()
        rate_gs = _rate(theirs, streams, per_side)
        pairs.append((rate_ours, rate_gs))
    ratios = [o / g for o, g in pairs]
    headers_read = sorted({h for r in reads.values() for h in r["get"]})
    return {
        "traces": len(streams),
        "traces_greenswitch_cannot_parse": greenswitch_failed,
        "events_per_round": events,
        "bytes_per_round": sum(map(len, streams)),
        "rounds": rounds,
        "events_per_s": round(statistics.median(o for o, _ in pairs)),
        "greenswitch_events_per_s": round(statistics.median(g for _, g in pairs)),
        "ratio": round(statistics.median(ratios), 2),
        "ratio_min": round(min(ratios), 2),
        "ratio_max": round(max(ratios), 2),
        "headers_read": headers_read,
        "prefixes_scanned": sorted({p for r in reads.values() for p in r["prefix"]}),
        "full_walk_events": sorted(name for name, r in reads.items() if r["walk"]),
    }

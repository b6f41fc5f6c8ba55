"""The frame reader meets every recorded FreeSWITCH trace, whole and split at arbitrary bytes."""

from __future__ import annotations

import random

import pytest
from tests.traces import TRACE_NAMES, load_trace

from calldesk.esl.frames import Frame, FrameReader


def _frames_of(chunks: list[bytes]) -> list[Frame]:
    reader = FrameReader()
    frames: list[Frame] = []
    for chunk in chunks:
        frames.extend(reader.feed(chunk))
    assert reader.errors == []
    assert reader.buffered == 0
    return frames


def _expected(trace) -> list[Frame]:
    out = []
    for raw in trace.received:
        frames = FrameReader().feed(raw)
        assert len(frames) == 1, "each recv record is exactly one frame"
        out.append(frames[0])
    return out


@pytest.mark.parametrize("name", TRACE_NAMES)
def test_trace_whole_stream(name: str) -> None:
    trace = load_trace(name)
    frames = _frames_of([trace.stream])
    assert frames == _expected(trace)


@pytest.mark.parametrize("name", TRACE_NAMES)
@pytest.mark.parametrize("seed", range(5))
def test_trace_split_at_random_boundaries(name: str, seed: int) -> None:
    trace = load_trace(name)
    data = trace.stream
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(1, 400))))
    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    assert _frames_of(chunks) == _expected(trace)


@pytest.mark.parametrize("name", TRACE_NAMES)
def test_trace_byte_by_byte(name: str) -> None:
    trace = load_trace(name)
    data = trace.stream[:20000]  # enough to cross many frame and body boundaries
    reader = FrameReader()
    frames = []
    for i in range(len(data)):
        frames.extend(reader.feed(data[i : i + 1]))
    whole = FrameReader().feed(data)
    assert frames == whole


@pytest.mark.parametrize("name", TRACE_NAMES)
def test_every_event_body_parses(name: str) -> None:
    for frame in _frames_of([load_trace(name).stream]):
        if frame.is_event():
            event = frame.event()
            assert event is not None and event.name, frame.headers


def test_outbound_connect_reply_has_content_type_late_and_decoded_reply() -> None:
    trace = load_trace("outbound-socket")
    frame = _frames_of([trace.received[0]])[0]
    assert frame.headers.keys()[0] != "Content-Type"
    assert frame.content_type == "command/reply"
    assert frame.reply_text == "+OK\n"
    assert frame.headers["Event-Name"] == "CHANNEL_DATA"
    assert frame.headers["Caller-Destination-Number"] == "5553000"
    assert frame.body == b""


def test_background_job_plain_body_and_inner_length() -> None:
    trace = load_trace("bgapi-originate")
    jobs = [f.event() for f in _frames_of([trace.stream]) if f.is_event()]
    jobs = [e for e in jobs if e.name == "BACKGROUND_JOB"]
    bodies = [e.body for e in jobs]
    assert "-ERR USER_BUSY\n" in bodies
    assert "-ERR NO_ROUTE_DESTINATION\n" in bodies
    ok = [b for b in bodies if b.startswith("+OK ")]
    assert ok and ok[0].endswith("\n")
    assert all(e.get("Job-UUID") for e in jobs)


def test_background_job_json_body() -> None:
    trace = load_trace("events-json-call")
    events = [f.event() for f in _frames_of([trace.stream]) if f.is_event()]
    job = next(e for e in events if e.name == "BACKGROUND_JOB" and e.body == "5551000")
    assert job.get("Job-Command") == "uuid_getvar"
    assert job.get("Content-Length") == "7"


def test_repeated_headers_kept_in_order() -> None:
    trace = load_trace("avmd-beep")
    events = [f.event() for f in _frames_of([trace.stream]) if f.is_event()]
    doubles = [e for e in events if len(e.headers.get_all("Unique-ID")) == 2]
    assert doubles, "the re-fired avmd events carry two Unique-ID headers"
    custom = [e for e in events if e.name == "CUSTOM"]
    assert custom[0].headers.keys()[0] == "Event-Subclass"


def test_header_values_url_decoded_one_by_one() -> None:
    trace = load_trace("events-plain-call")
    events = [f.event() for f in _frames_of([trace.stream]) if f.is_event()]
    done = [
        e
        for e in events
        if e.name == "CHANNEL_EXECUTE_COMPLETE" and e.get("Application") == "playback"
    ]
    assert done[0].get("Application-Response") == "FILE PLAYED"
    assert any(e.get("Caller-Caller-ID-Number") == "+15550101" for e in events)


def test_api_response_bodies_exact() -> None:
    trace = load_trace("auth-and-api")
    frames = _frames_of([trace.stream])
    api = [f for f in frames if f.content_type == "api/response"]
    assert any(f.body == b"-ERR bogus_command Command not found!\n" for f in api)
    assert frames[0].content_type == "auth/request"
    assert frames[-1].content_type == "text/disconnect-notice"
    assert frames[-1].body.startswith(b"Disconnected, goodbye.\n")

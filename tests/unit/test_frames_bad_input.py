"""The frame reader never crashes and never loses the frames around malformed input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk.esl.frames import EventParseError, Frame, FrameReader, parse_event_plain

REPLY = b"Content-Type: command/reply\nReply-Text: +OK\n\n"
API = b"Content-Type: api/response\nContent-Length: 4\n\n+OK\n"


def test_bad_content_length_is_skipped_and_next_frame_survives() -> None:
    reader = FrameReader()
    frames = reader.feed(b"Content-Type: api/response\nContent-Length: banana\n\n" + REPLY)
    assert [f.reply_text for f in frames] == ["+OK"]
    assert "bad Content-Length" in reader.errors[0]


def test_negative_content_length_is_skipped() -> None:
    reader = FrameReader()
    assert reader.feed(b"Content-Length: -5\n\n" + API)[0].body == b"+OK\n"
    assert reader.errors


def test_header_line_without_separator_is_logged_and_skipped() -> None:
    reader = FrameReader()
    frame = reader.feed(b"Content-Type: command/reply\ngarbage-line\nReply-Text: +OK\n\n")[0]
    assert frame.reply_text == "+OK"
    assert len(frame.headers) == 2
    assert "garbage-line" in reader.errors[0]


def test_garbage_block_is_skipped() -> None:
    reader = FrameReader()
    frames = reader.feed(b"\x00\x01\x02 nonsense\n\n" + REPLY)
    assert len(frames) == 1 and frames[0].reply_text == "+OK"


def test_truncated_body_waits_for_the_rest() -> None:
    reader = FrameReader()
    assert reader.feed(API[:-2]) == []
    assert reader.feed(API[-2:])[0].body == b"+OK\n"


def test_unknown_content_type_is_a_frame_without_event() -> None:
    frame = FrameReader().feed(b"Content-Type: text/x-future\nContent-Length: 3\n\nabc")[0]
    assert frame.event() is None and frame.body == b"abc"


def test_crlf_lines_tolerated() -> None:
    frame = FrameReader().feed(b"Content-Type: command/reply\r\nReply-Text: +OK\r\n\n")[0]
    assert frame.reply_text == "+OK"


def test_event_plain_with_short_inner_body_raises_clear_error() -> None:
    body = b"Event-Name: BACKGROUND_JOB\nContent-Length: 50\n\nshort"
    try:
        parse_event_plain(body)
    except EventParseError as exc:
        assert "inner Content-Length" in str(exc)
    else:
        raise AssertionError("expected EventParseError")


def test_reset_drops_partial_frame() -> None:
    reader = FrameReader()
    reader.feed(b"Content-Type: api/response\nContent-Length: 10\n\nabc")
    assert reader.reset() == b"abc"
    assert reader.feed(REPLY)[0].reply_text == "+OK"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.integers(min_value=1, max_value=50))
def test_fuzz_garbage_then_valid_frames(garbage: bytes, step: int) -> None:
    # Whatever garbage comes first, the reader must not raise; once garbage ends with a blank
    # line, the frames after it are intact.
    reader = FrameReader()
    data = garbage + b"\n\n" + REPLY + API
    frames: list[Frame] = []
    for i in range(0, len(data), step):
        frames.extend(reader.feed(data[i : i + step]))
    for frame in frames:
        frame.content_type  # noqa: B018
        try:
            frame.event()
        except EventParseError:
            pass
    tail = [f for f in frames if f.reply_text == "+OK" or f.body == b"+OK\n"]
    # Garbage may contain a Content-Length that swallows what follows; never more than that.
    assert len(tail) <= 2


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(alphabet="ABCdef-_", min_size=1, max_size=12), st.text(max_size=30)),
        min_size=1,
        max_size=8,
    )
)
def test_fuzz_roundtrip_encoded_headers(pairs: list[tuple[str, str]]) -> None:
    from urllib.parse import quote

    block = "".join(f"{n}: {quote(v, safe='')}\n" for n, v in pairs) + "\n"
    frame = FrameReader().feed(block.encode())[0]
    assert frame.headers.items() == [(n, v) for n, v in pairs]

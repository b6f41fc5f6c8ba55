"""Sans-IO ESL frame reader: bytes in, frames out. No socket in here.

A frame is a block of `Name: value` lines, a blank line, then exactly `Content-Length` body bytes.
Header values are URL-decoded one by one after the lines are split (greenswitch unquotes the whole
frame first, which corrupts values holding `%0A` and bodies holding `%`). Event bodies
(`text/event-plain`, `text/event-json`) are parsed lazily by `Frame.event()`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from calldesk.esl.headers import Headers, LazyHeaders, parse_header_block

__all__ = [
    "Event",
    "EventParseError",
    "Frame",
    "FrameReader",
    "Headers",
    "LazyHeaders",
    "parse_event_json",
    "parse_event_plain",
    "parse_header_block",
]

log = logging.getLogger(__name__)

# A header block longer than this with no blank line is garbage, not a frame.
MAX_HEADER_BYTES = 1 << 20
MAX_BODY_BYTES = 64 << 20
# An event frame's own header block, matched in place instead of parsed.
_EVENT_BLOCK = re.compile(
    rb"Content-Length: ([0-9]{1,7})\nContent-Type: (text/event-(?:plain|json))"
)


@dataclass(slots=True)
class Event:
    """One FreeSWITCH event: its headers (decoded) and its own body, if any."""

    headers: Headers
    body: str = ""
    # Read once: every consumer of every event asks for these two.
    name: str = field(init=False, compare=False)
    uuid: str | None = field(init=False, compare=False)
    # `event.get(name, default)`: the headers' own lookup, with no wrapper call in between.
    get: Callable[..., str | None] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.get = get = self.headers.get
        self.name = get("Event-Name") or ""
        self.uuid = get("Unique-ID")

    @property
    def subclass(self) -> str | None:
        return self.headers.get("Event-Subclass")

    @property
    def sequence(self) -> str | None:
        return self.headers.get("Event-Sequence")

    def var(self, name: str, default: str | None = None) -> str | None:
        """A leg variable carried on the event (`variable_<name>`)."""
        return self.headers.get("variable_" + name, default)


class EventParseError(ValueError):
    """An event body could not be parsed."""


def _header_end(body: bytes) -> tuple[int, int]:
    """Where the header lines end, and where an inner body would start. Searching "\\n\\n"
    forward stops at each of ~150 line ends; FreeSWITCH puts an inner body's `Content-Length`
    last, so a long needle (skipped through fast) says whether there is one, and a body-less
    event's blank line is its last two bytes."""
    if body[:1] == b"\n":  # a blank first line: no headers at all
        return 0, 1
    length_at = 0 if body.startswith(b"Content-Length: ") else body.find(b"\nContent-Length: ")
    if length_at < 0:
        end = len(body) - 2 if body.endswith(b"\n\n") else body.find(b"\n\n")
    else:
        before = body.find(b"\n\n", 0, length_at)  # a blank line earlier ends the headers there
        end = before if before >= 0 else body.find(b"\n\n", length_at)
    return (len(body), len(body)) if end < 0 else (end, end + 2)


def parse_event_plain(body: bytes) -> Event:
    """A `text/event-plain` body: URL-encoded headers, then an optional `Content-Length` body.
    The header lines stay as bytes in the body itself; only the values read are decoded."""
    end, inner_at = _header_end(body)
    headers = LazyHeaders(body, end)
    inner = ""
    # Only bytes after the blank line can be an inner body: skip the search otherwise.
    length = headers.get("Content-Length") if inner_at < len(body) else None
    if length is not None:
        try:
            n = int(length)
        except ValueError as exc:
            raise EventParseError(f"bad inner Content-Length {length!r}") from exc
        raw = body[inner_at:]
        if n < 0 or n > len(raw):
            raise EventParseError(f"inner Content-Length {n} but {len(raw)} bytes follow")
        inner = raw[:n].decode("utf-8", "replace")
    return Event(headers, inner)


def parse_event_json(body: bytes) -> Event:
    """A `text/event-json` body: one JSON object of strings; `_body` holds the event's body."""
    try:
        obj = json.loads(body)
    except ValueError as exc:
        raise EventParseError(f"bad JSON event: {exc}") from exc
    if not isinstance(obj, dict):
        raise EventParseError("JSON event is not an object")
    inner = obj.pop("_body", "")
    pairs = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in obj.items()]
    return Event(Headers(pairs), inner if isinstance(inner, str) else str(inner))


EVENT_PARSERS = {"text/event-plain": parse_event_plain, "text/event-json": parse_event_json}


@dataclass(slots=True)
class Frame:
    """One ESL frame: outer headers and the raw body."""

    headers: Headers
    body: bytes = b""
    _event: Event | None = field(default=None, repr=False, compare=False)
    content_type: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.content_type = self.headers.get("Content-Type") or ""

    @property
    def reply_text(self) -> str | None:
        return self.headers.get("Reply-Text")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def is_event(self) -> bool:
        return self.content_type in EVENT_PARSERS

    def event(self) -> Event | None:
        """The parsed event for event frames; None for other frames. Raises EventParseError."""
        if self._event is None:
            parser = EVENT_PARSERS.get(self.content_type)
            if parser is None:
                return None
            self._event = parser(self.body)
        return self._event


def _event_frame_headers(length: bytes, ctype: bytes) -> Headers:
    """Headers of an event frame, built without the general parse (values are plain ASCII)."""
    headers = Headers.__new__(Headers)
    n, t = length.decode(), ctype.decode()
    headers._pairs = [("Content-Length", n), ("Content-Type", t)]
    headers._first = {"Content-Length": n, "Content-Type": t}
    return headers


class FrameReader:
    """Incremental frame reader. Feed it bytes in any split; it returns whole frames.

    Malformed input (a bad Content-Length, a header block with no valid line) is logged, recorded in
    `errors` and skipped; the reader resynchronises on the next blank line.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pending: Headers | None = None
        self._need = 0
        self.errors: list[str] = []

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def _error(self, message: str) -> None:
        log.warning("ESL frame skipped: %s", message)
        self.errors.append(message)

    def feed(self, data: bytes) -> list[Frame]:
        if self._buf:
            self._buf += data
            if self._pending is not None and len(self._buf) < self._need:
                return []  # a large body still arriving: no copy per chunk
            # One immutable copy: slicing it copies each frame once (a bytearray slice copies,
            # then bytes() copies again).
            buf = bytes(self._buf)
        else:  # nothing left over from the last chunk (the usual case): read `data` in place
            buf = bytes(data)  # no copy when it is bytes already
        frames: list[Frame] = []
        pos = 0
        while True:
            if self._pending is not None:
                if len(buf) - pos < self._need:
                    break
                end = pos + self._need
                frames.append(Frame(self._pending, buf[pos:end]))
                pos = end
                self._pending = None
                continue
            # Skip blank lines between frames (FreeSWITCH sends none, but be lenient).
            while pos < len(buf) and buf[pos] == 10:
                pos += 1
            idx = buf.find(b"\n\n", pos)
            if idx < 0:
                if len(buf) - pos > MAX_HEADER_BYTES:
                    self._error(f"header block over {MAX_HEADER_BYTES} bytes without end")
                    pos = len(buf)
                break
            fast = _EVENT_BLOCK.fullmatch(buf, pos, idx)
            if fast is not None:  # the shape of every event frame: no general parse needed
                pos = idx + 2
                n = int(fast[1])
                headers = _event_frame_headers(fast[1], fast[2])
                if len(buf) - pos >= n:
                    frames.append(Frame(headers, buf[pos : pos + n]))
                    pos += n
                else:
                    self._pending, self._need = headers, n
                continue
            block = buf[pos:idx].decode("utf-8", "surrogateescape")
            pos = idx + 2
            errs: list[str] = []
            headers = parse_header_block(block, errs)
            for e in errs:
                self._error(e)
            if not len(headers):
                self._error(f"frame with no headers skipped: {block[:80]!r}")
                continue
            length = headers.get("Content-Length")
            if length is None:
                frames.append(Frame(headers))
                continue
            try:
                n = int(length)
                if n < 0 or n > MAX_BODY_BYTES:
                    raise ValueError
            except ValueError:
                self._error(f"bad Content-Length {length!r}; frame skipped")
                continue
            if n == 0:
                frames.append(Frame(headers))
                continue
            self._pending, self._need = headers, n
        if pos < len(buf):
            self._buf = bytearray(buf[pos:])  # what belongs to the next chunk
        else:
            self._buf.clear()
        return frames

    def reset(self) -> bytes:
        """Drop everything buffered (e.g. after a reconnect); returns what was dropped."""
        dropped = bytes(self._buf)
        self._buf.clear()
        self._pending = None
        self._need = 0
        return dropped

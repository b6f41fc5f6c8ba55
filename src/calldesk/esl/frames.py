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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

log = logging.getLogger(__name__)

# A header block longer than this with no blank line is garbage, not a frame.
MAX_HEADER_BYTES = 1 << 20
MAX_BODY_BYTES = 64 << 20
_MISSING = object()
# An event frame's own header block, matched in place instead of parsed.
_EVENT_BLOCK = re.compile(
    rb"Content-Length: ([0-9]{1,7})\nContent-Type: (text/event-(?:plain|json))"
)


class Headers:
    """Ordered multi-map of header names to values. `get` returns the first occurrence."""

    __slots__ = ("_pairs", "_first")

    def __init__(self, pairs: list[tuple[str, str]] | None = None) -> None:
        self._pairs: list[tuple[str, str]] | None = pairs if pairs is not None else []
        self._first: dict[str, str] = dict(self._pairs[::-1])  # first occurrence wins

    @classmethod
    def lazy(cls, text: str) -> Headers:
        """From raw header lines (values URL-encoded), parsed on demand."""
        data = text.encode("utf-8", "surrogateescape")
        return LazyHeaders(data, len(data))

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name, default)

    def _all(self) -> list[tuple[str, str]]:
        return self._pairs  # type: ignore[return-value]

    def get_all(self, name: str) -> list[str]:
        return [v for n, v in self._all() if n == name]

    def prefixed(self, prefix: str) -> list[tuple[str, str]]:
        """Every (name, value) whose name starts with `prefix`, in order (e.g. a leg's
        `variable_calldesk_*`), without walking the other headers where that can be avoided."""
        return [(n, v) for n, v in self._all() if n.startswith(prefix)]

    def items(self) -> list[tuple[str, str]]:
        return list(self._all())

    def keys(self) -> list[str]:
        return [n for n, _ in self._all()]

    def as_dict(self) -> dict[str, str]:
        """First value of each name, decoded; for code that wants a plain dict."""
        return dict(self._all()[::-1])

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self._all() == other._all()

    def __repr__(self) -> str:
        return f"Headers({self._all()!r})"


class LazyHeaders(Headers):
    """Header lines kept as the raw URL-encoded bytes (`data[:end]`): `get` finds
    "\\nName: " with a C-speed `bytes.find` bounded to the header lines, and decodes that one
    value, cached. An event carries ~150 headers and a consumer reads a handful, so most are never
    split, decoded or unquoted. That is where this reader beats greenswitch, which decodes,
    unquotes and splits every frame whole."""

    __slots__ = ("_data", "_end", "_cache")

    def __init__(self, data: bytes, end: int) -> None:
        self._pairs = None
        self._data, self._end = data, end
        self._cache: dict[str, object] = {}

    def get(self, name: str, default: str | None = None) -> str | None:
        cache = self._cache
        value = cache.get(name, _MISSING)
        if value is _MISSING:
            needle, first = _NEEDLES.get(name) or _needle(name)
            data, end = self._data, self._end
            if data.startswith(first, 0, end):  # the first line has no "\n" before it
                at = len(first)
            else:
                at = data.find(needle, 0, end)
                if at >= 0:
                    at += len(needle)
            if at < 0:
                value = None
            else:
                stop = data.find(b"\n", at, end)
                raw = data[at:end] if stop < 0 else data[at:stop]
                if raw[-1:] == b"\r":
                    raw = raw[:-1]
                value = raw.decode("utf-8", "surrogateescape")
                if "%" in value:
                    value = _decode(value)
            cache[name] = value
        return default if value is None else value  # type: ignore[return-value]

    def prefixed(self, prefix: str) -> list[tuple[str, str]]:
        if self._pairs is not None:
            return super().prefixed(prefix)
        data, end = self._data, self._end
        needle = b"\n" + prefix.encode("utf-8", "surrogateescape")
        out: list[tuple[str, str]] = []
        first = data.startswith(needle[1:], 0, end)
        at = -1 if first else data.find(needle, 0, end)
        while at >= 0 or first:
            first = False
            stop = data.find(b"\n", at + 1, end)
            line = data[at + 1 : end if stop < 0 else stop].decode("utf-8", "surrogateescape")
            if line[-1:] == "\r":
                line = line[:-1]
            name, sep, value = line.partition(": ")
            if sep:
                out.append((name, _decode(value)))
            elif line.endswith(":") and ":" not in line[:-1]:
                out.append((line[:-1], ""))
            if stop < 0:
                break
            at = data.find(needle, stop, end)
        return out

    def _all(self) -> list[tuple[str, str]]:
        if self._pairs is None:
            text = self._data[: self._end].decode("utf-8", "surrogateescape")
            self._pairs = _parse_pairs(text, None)
        return self._pairs


# The bytes `LazyHeaders.get` looks for, by header name. Bounded; cleared when full.
# Each is (b"\nName: ", b"Name: "), the second for the first line.
_NEEDLES: dict[str, tuple[bytes, bytes]] = {}


def _needle(name: str) -> tuple[bytes, bytes]:
    if len(_NEEDLES) >= 4096:
        _NEEDLES.clear()
    first = name.encode("utf-8", "surrogateescape") + b": "
    pair = _NEEDLES[name] = (b"\n" + first, first)
    return pair


# Decoded values by raw value: a leg's events repeat the same encoded names, numbers and
# variables, and `unquote` is the costliest step of reading a header. Bounded; cleared when full.
_DECODED: dict[str, str] = {}
_DECODED_MAX = 8192


def _decode(value: str) -> str:
    if "%" not in value:
        return value
    decoded = _DECODED.get(value)
    if decoded is None:
        if len(_DECODED) >= _DECODED_MAX:
            _DECODED.clear()
        decoded = _DECODED[value] = unquote(value)
    return decoded


def parse_header_block(text: str, errors: list[str] | None = None) -> Headers:
    """Parse `Name: value` lines now; values are URL-decoded one by one. Bad lines are reported
    in `errors` and skipped."""
    return Headers(_parse_pairs(text, errors))


def _parse_pairs(text: str, errors: list[str] | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            continue
        name, sep, value = line.partition(": ")
        if not sep:
            if line.endswith(":") and ":" not in line[:-1]:  # `Name:` with an empty value
                pairs.append((line[:-1], ""))
                continue
            if errors is not None:
                errors.append(f"header line without ': ' skipped: {line[:80]!r}")
            continue
        pairs.append((name, _decode(value)))
    return pairs


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

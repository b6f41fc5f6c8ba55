"""Frame and event serialization as FreeSWITCH's mod_event_socket writes them.

Header values in event bodies are URL-encoded like `switch_url_encode`: the characters in
SWITCH_URL_UNSAFE (`\\r\\n #%&+:;<=>?@[\\]^`{|}"`) and every non-printable or non-ASCII byte
become `%XX` (upper-case hex); `/`, `,`, `(`, `)` and the rest stay raw.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _json_str
from urllib.parse import unquote

URL_UNSAFE = frozenset(b'\r\n #%&+:;<=>?@[\\]^`{|}"')
_TABLE = [(f"%{b:02X}" if (b in URL_UNSAFE or b < 32 or b > 126) else chr(b)) for b in range(256)]

GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"

Pairs = list[tuple[str, str]]


_NEEDS_ENCODING = re.compile("[^\x20-\x7e]|[" + re.escape(bytes(sorted(URL_UNSAFE)).decode()) + "]")


# The same table for ASCII text, for str.translate (most values: no UTF-8 step needed).
_ASCII = {b: _TABLE[b] for b in range(128) if len(_TABLE[b]) > 1}


@lru_cache(maxsize=8192)
def url_encode(value: str) -> str:
    """Encode one header value the way FreeSWITCH's switch_url_encode does (values repeat: cached)."""
    if _NEEDS_ENCODING.search(value) is None:
        return value
    if value.isascii():
        return value.translate(_ASCII)
    return "".join([_TABLE[b] for b in value.encode("utf-8", "surrogateescape")])


# (name, value) -> its `Name: url-encoded value\n` line: most headers repeat (Application,
# Application-Data, Hangup-Cause ...). Bounded; cleared when full.
_LINES: dict[tuple[str, str], str] = {}


def plain_lines(pairs: Iterable[tuple[str, str]]) -> str:
    """`Name: url-encoded value\n` per header, as in a text/event-plain body."""
    out = []
    for pair in pairs:
        try:
            line = _LINES.get(pair)
        except TypeError:  # a [name, value] list, not a tuple
            line = None
        if line is None:
            if len(_LINES) > 16384:
                _LINES.clear()
            n, v = pair
            line = _LINES[(n, v)] = f"{n}: {url_encode(v)}\n"
        out.append(line)
    return "".join(out)


def json_members(pairs: Iterable[tuple[str, str]]) -> str:
    """`"Name":"value"` members joined by commas (no braces), as json.dumps writes them."""
    return ",".join([f"{_json_str(n)}:{_json_str(v)}" for n, v in pairs])


def header_block(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f"{n}: {v}\n" for n, v in pairs)


def command_reply(text: str, extra: Pairs | None = None) -> bytes:
    pairs = [("Content-Type", "command/reply"), ("Reply-Text", text)] + (extra or [])
    return (header_block(pairs) + "\n").encode()


def api_response(body: str) -> bytes:
    data = body.encode("utf-8", "surrogateescape")
    head = f"Content-Type: api/response\nContent-Length: {len(data)}\n\n".encode()
    return head + data


def auth_request() -> bytes:
    return b"Content-Type: auth/request\n\n"


def disconnect_notice(uuid: str | None = None) -> bytes:
    """The final notice before the close; tied connections name their leg."""
    body = GOODBYE.encode()
    pairs: Pairs = [("Content-Type", "text/disconnect-notice")]
    if uuid:
        pairs += [("Controlled-Session-UUID", uuid), ("Content-Disposition", "disconnect")]
    pairs.append(("Content-Length", str(len(body))))
    return (header_block(pairs) + "\n").encode() + body


def linger_notice(uuid: str, channel_name: str, linger: int) -> bytes:
    pairs = [
        ("Content-Type", "text/disconnect-notice"),
        ("Controlled-Session-UUID", uuid),
        ("Content-Disposition", "linger"),
        ("Channel-Name", channel_name),
        ("Linger-Time", str(linger)),
        ("Content-Length", "0"),
    ]
    return (header_block(pairs) + "\n").encode()


class Block:
    """A run of headers with its plain text encoded once (a leg's header runs are reused while
    they do not change); JSON is encoded on first use. `join` makes one run of several.
    `lazy` takes the plain text built already and makes the pairs only when asked (filters,
    history, JSON): most events are only ever written as plain text."""

    __slots__ = ("_pairs", "_make", "_subs", "plain", "_json", "_names", "_lower")

    def __init__(
        self,
        pairs: Pairs | None,
        subs: list[Block] | None = None,
        make: Callable[[], Pairs] | None = None,
        plain: str | None = None,
    ) -> None:
        self._pairs = pairs
        self._make = make
        self._subs = subs
        if plain is None:
            plain = "".join([b.plain for b in subs]) if subs else plain_lines(self.pairs)
        self.plain: str = plain
        self._json: str | None = None
        self._names: frozenset[str] | None = None
        self._lower: str | None = None

    @classmethod
    def of(cls, pairs: Pairs) -> Block:
        return cls(pairs)

    @classmethod
    def join(cls, blocks: list[Block]) -> Block:
        return cls(None, blocks)

    @classmethod
    def lazy(cls, plain: str, make: Callable[[], Pairs]) -> Block:
        """A run whose plain text is `plain`; `make()` gives the same headers as pairs (it
        must build them from values captured when the run was made, not read later)."""
        block = cls.__new__(cls)  # __init__'s branches skipped: one of these per event
        block._pairs = block._subs = block._json = block._names = block._lower = None
        block._make = make
        block.plain = plain
        return block

    @property
    def pairs(self) -> Pairs:
        pairs = self._pairs
        if pairs is None:
            if self._subs is not None:
                pairs = [h for b in self._subs for h in b.pairs]
            else:
                assert self._make is not None
                pairs = self._make()
                self._make = None
            self._pairs = pairs
        return pairs

    @property
    def json(self) -> str:
        if self._json is None:
            subs = self._subs
            if subs:
                self._json = ",".join([j for b in subs if (j := b.json)])
            else:
                self._json = json_members(self.pairs)
        return self._json

    @property
    def names(self) -> frozenset[str]:
        if self._names is None:
            self._names = frozenset(n for n, _ in self.pairs)
        return self._names

    def first(self, lname: str) -> str | None:
        """The value of the run's first header named `lname` (lower case; names compare without
        case, as switch_event_get_header does), read from the plain text: no pairs made."""
        lower = self._lower
        if lower is None:  # plain text is ASCII (values are URL-encoded): same offsets
            lower = self._lower = self.plain.lower()
        head = lname + ": "
        if lower.startswith(head):
            start = len(head)
        else:
            at = lower.find("\n" + head)
            if at < 0:
                return None
            start = at + 1 + len(head)
        end = self.plain.find("\n", start)
        return unquote(self.plain[start:] if end < 0 else self.plain[start:end])


Part = Block | Pairs


def _plain_text(parts: Iterable[Part]) -> str:
    return "".join([p.plain if p.__class__ is Block else plain_lines(p) for p in parts])  # type: ignore[arg-type]


def _plain_payload(text: str, body: str | None) -> bytes:
    if body is not None and body != "":
        data = body.encode("utf-8", "surrogateescape")
        return (text + f"Content-Length: {len(data)}\n\n").encode() + data
    return (text + "\n").encode("utf-8", "surrogateescape")


def _json_payload(parts: Iterable[Part], body: str | None) -> bytes:
    seen: set[str] = set()
    out: list[str] = []
    for p in parts:
        if isinstance(p, Block):
            if seen.isdisjoint(p.names):
                if p.json:
                    out.append(p.json)
                seen |= p.names
                continue
            p = p.pairs
        for n, v in p:
            if n not in seen:  # JSON objects cannot repeat a name; the first wins
                seen.add(n)
                out.append(f"{_json_str(n)}:{_json_str(v)}")
    if body is not None and body != "":
        size = str(len(body.encode("utf-8", "surrogateescape")))
        out.append(f'"Content-Length":{_json_str(size)},"_body":{_json_str(body)}')
    return ("{" + ",".join(out) + "}").encode()


def event_frame_parts(parts: list[Part], body: str | None, fmt: str) -> bytes:
    """One whole event frame in `plain` or `json` format from pre-encoded parts."""
    if fmt == "json":
        payload = _json_payload(parts, body)
        return b"Content-Length: %d\nContent-Type: text/event-json\n\n" % len(payload) + payload
    text = _plain_text(parts)
    if (body is None or body == "") and text.isascii():  # most events: one copy, one encode
        return (
            f"Content-Length: {len(text) + 1}\nContent-Type: text/event-plain\n\n{text}\n".encode()
        )
    payload = _plain_payload(text, body)
    return b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(payload) + payload


def event_frame(pairs: Pairs, body: str | None, fmt: str) -> bytes:
    """One whole event frame in `plain` or `json` format."""
    return event_frame_parts([pairs], body, fmt)


def connect_reply(pairs: Pairs) -> bytes:
    """Outbound `connect` reply: CHANNEL_DATA headers URL-encoded, with no body."""
    tail = [
        ("Content-Type", "command/reply"),
        ("Reply-Text", "+OK\n"),
        ("Socket-Mode", "async"),
        ("Control", "full"),
    ]
    return (header_block((n, url_encode(v)) for n, v in list(pairs) + tail) + "\n").encode()


def log_frame(level: int, uuid: str, file: str, func: str, line: int, text: str) -> bytes:
    data = text.encode()
    pairs = [
        ("Content-Type", "log/data"),
        ("Content-Length", str(len(data))),
        ("Log-Level", str(level)),
        ("Text-Channel", "3"),
        ("Log-File", file),
        ("Log-Func", func),
        ("Log-Line", str(line)),
        ("User-Data", uuid),
    ]
    return (header_block(pairs) + "\n").encode() + data

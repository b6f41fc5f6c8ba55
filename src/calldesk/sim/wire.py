"""Frame and event serialization as FreeSWITCH's mod_event_socket writes them.

Header values in event bodies are URL-encoded like `switch_url_encode`: the characters in
SWITCH_URL_UNSAFE (`\\r\\n #%&+:;<=>?@[\\]^`{|}"`) and every non-printable or non-ASCII byte
become `%XX` (upper-case hex); `/`, `,`, `(`, `)` and the rest stay raw.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

URL_UNSAFE = frozenset(b'\r\n #%&+:;<=>?@[\\]^`{|}"')
_TABLE = [(f"%{b:02X}" if (b in URL_UNSAFE or b < 32 or b > 126) else chr(b)) for b in range(256)]

GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"

Pairs = list[tuple[str, str]]


def url_encode(value: str) -> str:
    """Encode one header value the way FreeSWITCH's switch_url_encode does."""
    raw = value.encode("utf-8", "surrogateescape")
    if all(32 <= b <= 126 and b not in URL_UNSAFE for b in raw):
        return value
    return "".join(_TABLE[b] for b in raw)


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


def event_plain_body(pairs: Pairs, body: str | None) -> bytes:
    text = "".join(f"{n}: {url_encode(v)}\n" for n, v in pairs)
    if body is not None and body != "":
        data = body.encode("utf-8", "surrogateescape")
        return (text + f"Content-Length: {len(data)}\n\n").encode() + data
    return (text + "\n").encode("utf-8", "surrogateescape")


def event_json_body(pairs: Pairs, body: str | None) -> bytes:
    obj: dict[str, str] = {}
    for n, v in pairs:
        obj.setdefault(n, v)  # JSON objects cannot repeat a name; the first wins
    if body is not None and body != "":
        obj["Content-Length"] = str(len(body.encode("utf-8", "surrogateescape")))
        obj["_body"] = body
    return json.dumps(obj, separators=(",", ":")).encode()


def event_frame(pairs: Pairs, body: str | None, fmt: str) -> bytes:
    """One whole event frame in `plain` or `json` format."""
    if fmt == "json":
        payload, ctype = event_json_body(pairs, body), "text/event-json"
    else:
        payload, ctype = event_plain_body(pairs, body), "text/event-plain"
    return f"Content-Length: {len(payload)}\nContent-Type: {ctype}\n\n".encode() + payload


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

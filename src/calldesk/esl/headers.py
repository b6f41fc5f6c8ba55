"""Event headers: an ordered multi-map (`Headers`), and `LazyHeaders`, which keeps an event's
header lines as raw bytes and decodes only the values read."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

_MISSING = object()


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

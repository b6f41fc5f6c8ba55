"""ESL event filters as mod_event_socket.c `event_handler` applies them.

Once a connection has any filter, an event reaches it only if a positive filter matches and no
negative one does. Filters are read in the order they were added; each names a header, read
from the event without case (its first occurrence); a header the event lacks skips that filter.
A value may start with `+` (positive, the default) or `-` (negative) and spaces. After a
positive match, later positive filters are skipped; a matching negative filter drops the event
at once. A value whose first character (before the signs are taken off) is `/` is a regular
expression (`/re/flags`, flags `i` and `s`: switch_regex_perform), searched anywhere in the
header; any other value is compared whole, without case (strcasecmp).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

Lookup = Callable[[str], "str | None"]

_COMPILED: dict[str, re.Pattern[str] | None] = {}


def _regex(expression: str) -> re.Pattern[str] | None:
    """`/re/flags` -> the pattern; None when there is no closing `/` or it does not compile
    (FreeSWITCH then counts no match)."""
    if expression in _COMPILED:
        return _COMPILED[expression]
    body, slash, opts = expression[1:].rpartition("/")
    pattern: re.Pattern[str] | None = None
    if slash:
        flags = (re.IGNORECASE if "i" in opts else 0) | (re.DOTALL if "s" in opts else 0)
        try:
            pattern = re.compile(body, flags)
        except re.error:
            pattern = None
    if len(_COMPILED) > 1024:
        _COMPILED.clear()
    _COMPILED[expression] = pattern
    return pattern


def passes(header: Lookup, filters: Sequence[tuple[str, str]]) -> bool:
    """Whether an event whose headers `header(name)` reads passes the connection's filters."""
    send = False
    read: dict[str, str | None] = {}  # each header looked up once per event
    for name, raw in filters:
        if name in read:
            value = read[name]
        else:
            value = read[name] = header(name)
        if value is None:
            continue
        positive, i = True, 0
        while i < len(raw):
            if raw[i] == "+":
                positive = True
            elif raw[i] == "-":
                positive = False
            elif raw[i] != " ":
                break
            i += 1
        if send and positive:
            continue
        compare = raw[i:]
        if raw.startswith("/"):
            pattern = _regex(compare)
            matched = pattern is not None and pattern.search(value) is not None
        else:
            matched = value.lower() == compare.lower()
        if matched:
            if not positive:
                return False
            send = True
    return send

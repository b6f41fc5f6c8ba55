"""E.164 destination patterns: the small language trunk routes and the allow-list are written in.

A pattern is `+` then digits and wildcards, optionally ending in `*`:
  `X` any digit, `Z` 1-9, `N` 2-9, `[1-5]` / `[135]` a digit class, `*` any number of further
  digits (zero or more). Without `*`, the length must match exactly.
Examples: `+1NXXNXXXXXX` (any NANP number), `+44*` (the UK), `+1900NXXXXXX` (NANP 900 premium).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_PATTERN = re.compile(r"^\+(?:[0-9XZN]|\[[0-9\-]+\])*\*?$")


class PatternError(ValueError):
    """A pattern is not written in the pattern language."""


@dataclass(frozen=True)
class Pattern:
    text: str
    regex: re.Pattern[str]

    def matches(self, number: str) -> bool:
        return self.regex.fullmatch(number) is not None


def compile_pattern(text: str) -> Pattern:
    if not isinstance(text, str) or not _PATTERN.fullmatch(text) or text == "+":
        raise PatternError(
            f"{text!r} is not a destination pattern (e.g. '+1NXXNXXXXXX', '+44*', '+33[1-5]*')"
        )
    out = ["^\\+"]
    i = 1
    while i < len(text):
        c = text[i]
        if c == "X":
            out.append("[0-9]")
        elif c == "Z":
            out.append("[1-9]")
        elif c == "N":
            out.append("[2-9]")
        elif c == "[":
            end = text.index("]", i)
            out.append(f"[{text[i + 1 : end]}]")
            i = end
        elif c == "*":
            out.append("[0-9]*")
        else:
            out.append(c)
        i += 1
    out.append("$")
    try:
        return Pattern(text, re.compile("".join(out)))
    except re.error as exc:  # e.g. a reversed range [5-1]
        raise PatternError(f"{text!r}: bad digit class ({exc})") from None


def is_e164(number: str) -> bool:
    return isinstance(number, str) and E164.fullmatch(number) is not None


def first_match(number: str, patterns: tuple[Pattern, ...]) -> Pattern | None:
    for p in patterns:
        if p.matches(number):
            return p
    return None

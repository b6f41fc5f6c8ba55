"""The public chat endpoint's limits, pure: token buckets per key, message text checks."""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`allow(key, now)`: at most `per_minute` a minute per key, bursts up to `burst`."""

    def __init__(self, per_minute: float, burst: int | None = None, max_keys: int = 50_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, int(per_minute)))
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, key: str, now: float) -> bool:
        b = self._buckets.get(key)
        if b is None:
            if len(self._buckets) >= self.max_keys:  # forget the idlest half, never grow unbounded
                for k, _ in sorted(self._buckets.items(), key=lambda kv: kv[1].at)[
                    : self.max_keys // 2
                ]:
                    del self._buckets[k]
            b = self._buckets[key] = _Bucket(self.burst, now)
        b.tokens = min(self.burst, b.tokens + (now - b.at) * self.rate)
        b.at = now
        if b.tokens < 1.0:
            return False
        b.tokens -= 1.0
        return True


class BadText(ValueError):
    pass


def clean_text(text: object, max_chars: int) -> str:
    """A visitor's message as stored: a string, no control characters but newlines and tabs,
    not blank, HTML-escaped, and at most `max_chars` once escaped."""
    if not isinstance(text, str):
        raise BadText("text must be a string")
    kept = "".join(
        c
        for c in unicodedata.normalize("NFC", text)
        if c in "\n\t" or unicodedata.category(c)[0] != "C"
    )
    if not kept.strip():
        raise BadText("the message is empty")
    escaped = html.escape(kept.strip(), quote=True)
    if len(escaped) > max_chars:
        raise BadText(f"the message is longer than {max_chars} characters")
    return escaped

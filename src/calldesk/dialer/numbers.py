"""Numbers: E.164 normalisation, the callee's time zone, and the calling-window check.

A number whose prefix spans several time zones must be inside a window in every one of them
(the callee could be in any); a per-contact time zone overrides what the number says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as pn_timezone

from calldesk.dialer.config import Window


def normalize(raw: str, region: str = "US") -> str:
    """E.164, or ValueError naming why the number was refused."""
    text = raw.strip()
    if not text:
        raise ValueError("empty number")
    try:
        n = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as e:
        raise ValueError(f"cannot parse number {text!r}: {e._msg}") from None
    if not phonenumbers.is_valid_number(n):
        raise ValueError(f"not a valid number: {text!r}")
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)


def timezones(e164: str, override: str = "", default: str = "UTC") -> tuple[str, ...]:
    if override:
        return (override,)
    try:
        zones = pn_timezone.time_zones_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        zones = ()
    zones = tuple(z for z in zones if z != "Etc/Unknown")
    return zones or (default,)


@dataclass(frozen=True)
class WindowCheck:
    allowed: bool
    local_time: str  # ISO local time at the callee (the first zone when several)
    timezone: str  # the zone(s) checked, comma-separated
    window: str  # the window that allowed it, or "" when refused


def check_window(
    e164: str, at: float, windows: Sequence[Window], override: str = "", default: str = "UTC"
) -> WindowCheck:
    """Is `at` (epoch seconds) inside a window in the callee's local time, in every zone?"""
    zones = timezones(e164, override, default)
    allowed_by = ""
    first = ""
    for i, z in enumerate(zones):
        local = datetime.fromtimestamp(at, UTC).astimezone(ZoneInfo(z))
        if i == 0:
            first = local.isoformat(timespec="seconds")
        minute = local.hour * 60 + local.minute
        hit = next((w for w in windows if w.allows(local.weekday(), minute)), None)
        if hit is None:
            return WindowCheck(False, first, ",".join(zones), "")
        allowed_by = allowed_by or hit.text()
    return WindowCheck(True, first, ",".join(zones), allowed_by)


def next_opening(
    e164: str, at: float, windows: Sequence[Window], override: str = "", default: str = "UTC"
) -> float | None:
    """The first time after `at` when `check_window` allows the number (None: never in 8 days)."""
    t = at
    for _ in range(8):  # each round moves to a later opening in one of the zones
        if check_window(e164, t, windows, override, default).allowed:
            return t
        later = t
        for z in timezones(e164, override, default):
            local = datetime.fromtimestamp(t, UTC).astimezone(ZoneInfo(z))
            minute = local.hour * 60 + local.minute
            if any(w.allows(local.weekday(), minute) for w in windows):
                continue
            best = None
            for days in range(8):
                day = (local + timedelta(days=days)).replace(hour=0, minute=0, second=0)
                for w in windows:
                    if day.weekday() not in w.days:
                        continue
                    start = day + timedelta(minutes=w.start_min)
                    if start > local and (best is None or start < best):
                        best = start
            if best is None:
                return None
            later = max(later, best.timestamp())
        t = later
    return None

"""SMS rules, pure: keywords (STOP, HELP, START), quiet hours in the recipient's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as pn_timezone

# The carriers' (CTIA) opt-out and help words, and common equivalents.
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "ARRET"}
)
START_WORDS = frozenset({"START", "UNSTOP", "YES", "SUBSCRIBE"})
HELP_WORDS = frozenset({"HELP", "INFO", "AIDE"})


def keyword(text: str) -> str | None:
    """'stop', 'start' or 'help' when the whole message is one such word (any case, with
    punctuation around it); None for anything else ("please stop by" is not an opt-out)."""
    word = re.sub(r"[^A-Za-z]", "", text or "").upper()
    if len(text.strip()) > 20 or not word:
        return None
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None


def normalize(number: str, region: str = "US") -> str:
    """E.164 ('+15551234567'); raises ValueError for what is not a phone number."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{number!r} is not a phone number: {exc}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"{number!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def zones_of(number: str) -> list[ZoneInfo]:
    try:
        names = pn_timezone.time_zones_for_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return []
    out = []
    for name in names:
        try:
            out.append(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return out


@dataclass(frozen=True)
class QuietHours:
    """No proactive sends between `start` and `end` local time (the window may cross midnight).
    A number whose zone is unknown is judged in `fallback_zone`; one spanning several zones is
    quiet if it is quiet in any of them."""

    start: time = time(21, 0)
    end: time = time(8, 0)
    fallback_zone: str = "UTC"

    def _inside(self, t: time) -> bool:
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def quiet(self, number: str, now: float) -> bool:
        zones = zones_of(number) or [ZoneInfo(self.fallback_zone)]
        at = datetime.fromtimestamp(now, UTC)
        return any(self._inside(at.astimezone(z).time()) for z in zones)

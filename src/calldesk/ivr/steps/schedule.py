"""schedule: business hours and holidays in a time zone; branches open, closed, holiday."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calldesk.ivr.actions import Action, Goto
from calldesk.ivr.steps.base import Field, StepContext, StepKind

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALIASES = {"daily": DAYS, "weekdays": DAYS[:5], "weekend": DAYS[5:]}
RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def _parse_range(text: str) -> tuple[time, time] | None:
    m = RANGE.match(str(text).replace(" ", ""))
    if not m:
        return None
    h1, m1, h2, m2 = map(int, m.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2) or (h1, m1) >= (h2, m2):
        return None
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    return time(h1, m1), end


def _parse_holiday(text: str) -> tuple[int | None, int, int] | None:
    """'2026-12-25' (one date) or '12-25' (every year)."""
    parts = str(text).split("-")
    try:
        nums = [int(p) for p in parts]
        if len(nums) == 3:
            date(*nums)
            return nums[0], nums[1], nums[2]
        if len(nums) == 2:
            date(2000, *nums)  # a leap year, so 02-29 is allowed
            return None, nums[0], nums[1]
    except ValueError:
        return None
    return None


class ScheduleStep(StepKind):
    kind = "schedule"
    schema = {
        "timezone": Field("str", required=True, doc="IANA zone, e.g. Europe/Paris"),
        "hours": Field("map", required=True, doc="mon..sun/weekdays/weekend/daily -> ranges"),
        "holidays": Field("strs", default=[], doc="YYYY-MM-DD or MM-DD (yearly)"),
        "open": Field("target", required=True),
        "closed": Field("target", required=True),
        "holiday": Field("target", doc="required when holidays are listed"),
    }

    def missing_exits(self) -> list[str]:
        missing = [n for n in ("open", "closed") if self.spec.get(n) is None]
        if self.spec["holidays"] and self.spec.get("holiday") is None:
            missing.append("holiday")
        return missing

    def check(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        try:
            ZoneInfo(self.spec["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            yield ("timezone",), f"unknown time zone {self.spec['timezone']!r}"
        for day, ranges in self.spec["hours"].items():
            if day not in DAYS and day not in ALIASES:
                yield ("hours", day), f"{day!r} is not a day (mon..sun, weekdays, weekend, daily)"
            for r in ranges if isinstance(ranges, list) else [ranges]:
                if _parse_range(r) is None:
                    yield ("hours", day), f"{r!r} is not a range like 09:00-17:30"
        for i, h in enumerate(self.spec["holidays"]):
            if _parse_holiday(h) is None:
                yield ("holidays", i), f"{h!r} is not a date (YYYY-MM-DD or MM-DD)"

    def state_at(self, now: datetime) -> str:
        """'holiday', 'open' or 'closed' at `now` (an aware datetime), in the step's zone."""
        local = now.astimezone(ZoneInfo(self.spec["timezone"]))
        for h in self.spec["holidays"]:
            year, month, day = _parse_holiday(h) or (0, 0, 0)
            if (year in (None, local.year)) and (month, day) == (local.month, local.day):
                return "holiday"
        today = DAYS[local.weekday()]
        t = local.time().replace(tzinfo=None)
        for key, ranges in self.spec["hours"].items():
            if today not in ALIASES.get(key, (key,)):
                continue
            for r in ranges if isinstance(ranges, list) else [ranges]:
                start, end = _parse_range(r) or (time.max, time.min)
                if start <= t < end:
                    return "open"
        return "closed"

    def start(self, ctx: StepContext) -> Action:
        state = self.state_at(ctx.now)
        ctx.state.variables[f"{self.name}_state"] = state
        if state == "holiday" and self.spec.get("holiday") is None:
            state = "closed"
        return Goto(self.spec[state])

"""A campaign on the outbound simulator: contacts picked at dial time (DNC and calling windows
checked then), and one compliance-ledger row written per attempt when it is over.

Virtual time maps to the calendar: simulated day d (of `hours` each) starts at `origin` plus d
whole days, so a month of working days covers a month of dates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from calldesk.dialer.config import Campaign
from calldesk.dialer.contacts import ContactQueue


class CampaignRun:
    def __init__(
        self, campaign: Campaign, queue: ContactQueue, write: Callable[[dict[str, Any]], None],
        origin: float, day_len_s: float, trunk: str = "sim",
    ) -> None:  # fmt: skip
        self.campaign = campaign
        self.queue = queue
        self.write = write
        self.origin = origin
        self.day_len = day_len_s
        self.trunk = trunk
        self.info: dict[str, dict[str, Any]] = {}
        self.rows = 0

    def epoch(self, now: float) -> float:
        day, rest = divmod(now, self.day_len)
        return self.origin + day * 86400.0 + rest

    def has_due(self, now: float) -> bool:
        due = self.queue.next_due()
        return due is not None and due <= self.epoch(now)

    def pick(self, attempt: str, now: float, ring_limit_s: float) -> bool:
        at = self.epoch(now)
        p = self.queue.next(at)
        if p is None:
            return False
        c = self.campaign
        self.info[attempt] = {
            "at": at, "campaign": c.name, "contact": p.contact.get("name", ""),
            "number": p.number, "local_time": p.window.local_time, "timezone": p.window.timezone,
            "window": p.window.window, "dnc_checked": 1, "dnc_hit": 0, "trunk": self.trunk,
            "caller_id": c.caller_id, "ring_limit_s": ring_limit_s, "amd": "", "agent": "",
            "abandoned": 0, "safe_harbour": 0, "interaction": attempt, "cause": "",
        }  # fmt: skip
        return True

    def note(self, attempt: str, **fields: Any) -> None:
        if attempt in self.info:
            self.info[attempt].update(fields)

    def done(self, attempt: str, now: float, **fields: Any) -> None:
        row = self.info.pop(attempt, None)
        if row is None:
            return
        row.update(fields)
        self.queue.finished(row["number"], row["outcome"], self.epoch(now))
        self.write(row)
        self.rows += 1

"""Which contact to dial next: due, inside its calling window, not on a do-not-call list.

Pure: the do-not-call check is a callable (the store's, at dial time), `at` is epoch seconds.
A contact on the DNC list is closed and never dialled; one outside its window waits; one that
was not reached is retried after the campaign's delay for that outcome, up to `max_attempts`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from calldesk.dialer.config import Campaign
from calldesk.dialer.numbers import WindowCheck, check_window, next_opening

FINAL = ("answer",)  # reached: no retry (a callback request schedules its own)


@dataclass(frozen=True)
class Pick:
    number: str
    contact: Mapping[str, Any]
    window: WindowCheck
    attempt_no: int
    agent: str = ""  # a callback asked for this agent (or the preview's agent)
    callback: bool = False


class ContactQueue:
    def __init__(
        self,
        campaign: Campaign,
        contacts: Iterable[Mapping[str, Any]],
        dnc: Callable[[str, float], bool],
        start: float = 0.0,
    ) -> None:
        self.campaign = campaign
        self.dnc = dnc
        self.contacts = {c["number"]: c for c in contacts}
        self.attempts: dict[str, int] = dict.fromkeys(self.contacts, 0)
        self.due: list[tuple[float, int, str]] = [
            (start, i, n) for i, n in enumerate(self.contacts)
        ]
        heapq.heapify(self.due)
        self.closed: dict[str, str] = {}  # number -> why: dnc | reached | max_attempts
        self.seq = len(self.due)
        self.callbacks: dict[str, tuple[str, float]] = {}  # number -> (agent or "", due at)

    def pending(self) -> int:
        return len(self.due)

    def next_due(self) -> float | None:
        return self.due[0][0] if self.due else None

    def next(self, at: float, scan: int = 50) -> Pick | None:
        """The next contact to dial at `at`, or None. Looks at up to `scan` due contacts."""
        deferred = []
        pick = None
        for _ in range(scan):
            if not self.due or self.due[0][0] > at:
                break
            item = heapq.heappop(self.due)
            number = item[2]
            if self.dnc(number, at):
                self.closed[number] = "dnc"
                continue
            c = self.contacts[number]
            w = check_window(
                number,
                at,
                self.campaign.windows,
                c.get("timezone") or "",
                self.campaign.default_timezone,
            )
            if not w.allowed:
                opens = next_opening(
                    number,
                    at,
                    self.campaign.windows,
                    c.get("timezone") or "",
                    self.campaign.default_timezone,
                )
                if opens is None:
                    self.closed[number] = "no_window"
                else:
                    deferred.append((opens, item[1], number))
                continue
            if number in self.closed:
                continue  # closed after it was scheduled (skipped, reached)
            cb = self.callbacks.get(number)
            if cb is not None and item[0] < cb[1]:
                continue  # an older due entry: the callback's own comes later
            self.attempts[number] += 1
            self.callbacks.pop(number, None)
            pick = Pick(number, c, w, self.attempts[number], cb[0] if cb else "", cb is not None)
            break
        for d in deferred:
            heapq.heappush(self.due, d)
        return pick

    def callback(self, number: str, at: float, agent: str = "") -> None:
        """The callee asked to be called back at `at` (by `agent` if given): the contact is
        reopened and due then; its calling window is still checked when it is picked."""
        if number not in self.contacts:
            raise KeyError(number)
        self.closed.pop(number, None)
        self.callbacks[number] = (agent, at)
        self.seq += 1
        heapq.heappush(self.due, (at, self.seq, number))

    def close(self, number: str, why: str) -> None:
        """Stop dialling `number` (a preview skipped with its reason)."""
        self.closed[number] = why

    def restore(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Replay the ledger's attempts (in order) after a restart: reached contacts stay
        closed, attempt counts and retry times carry on."""
        for r in rows:
            number = r["number"]
            if number in self.contacts:
                self.attempts[number] += 1
                self.finished(number, str(r["outcome"]), float(r["at"]))
        live = {n for _, _, n in self.due if n not in self.closed}
        self.due = [d for d in self.due if d[2] in live]
        latest: dict[str, tuple[float, int, str]] = {}
        for d in self.due:  # a number keeps only its latest due time
            if d[2] not in latest or d[0] > latest[d[2]][0]:
                latest[d[2]] = d
        self.due = list(latest.values())
        heapq.heapify(self.due)

    def finished(self, number: str, outcome: str, at: float) -> None:
        """An attempt ended: close the contact, or schedule its retry."""
        if outcome in FINAL:
            self.closed[number] = "reached"
            return
        if self.attempts[number] >= self.campaign.max_attempts:
            self.closed[number] = "max_attempts"
            return
        delay = self.campaign.retry.get(outcome, 3600.0)
        self.seq += 1
        heapq.heappush(self.due, (at + delay, self.seq, number))

"""Customers and reports for the HTTP API: `CustomerAccess` (roles checked, every read
journaled with its user) behind the service errors the web maps to statuses, and the interval
report figures the /reports page draws (supervisors and admins)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from calldesk.auth import User
from calldesk.customers.access import CustomerAccess
from calldesk.customers.contexts import SqliteContexts
from calldesk.customers.identity import IdentityError
from calldesk.customers.service import CustomerService
from calldesk.customers.settings import Settings
from calldesk.customers.store import CustomerError
from calldesk.reports.interval import DIMENSIONS, FACT_COLUMNS, aggregate
from calldesk.reports.source import Facts, interval_report
from calldesk.service.access import Access
from calldesk.service.errors import Invalid, NotFound, Refused

MAX_REPORT_S = 92 * 86400.0  # a quarter at most per request
MIN_STEP_S = 300.0
QUEUE = FACT_COLUMNS.index("queue")


def _mapped(exc: CustomerError) -> Exception:
    text = str(exc)
    if "no customer found" in text or "no such" in text:
        return NotFound(text)
    return Refused(text)


class CustomersService:
    def __init__(self, customers: CustomerAccess) -> None:
        self.c = customers

    @classmethod
    def over(
        cls, store: Any, access: Access, config: Mapping[str, Any], clock: Callable[[], float]
    ) -> CustomersService:
        settings = Settings.from_config(config.get("customers"))
        service = CustomerService(store, settings)
        return cls(CustomerAccess(service, SqliteContexts(store), access.directory, clock))

    def search(self, user: User, q: str, limit: int) -> list[dict[str, Any]]:
        return self.c.search(user.id, q, limit)

    def get(self, user: User, customer: str, limit: int) -> dict[str, Any]:
        """The record, merges, timeline (newest first) and the journeys' outcome scores."""
        try:
            return self.c.show(user.id, customer, limit)
        except CustomerError as exc:
            raise _mapped(exc) from None

    def upsert(self, user: User, record: dict[str, Any]) -> dict[str, Any]:
        """A CRM record (journaled `customer.upserted` with the user): {id, created}."""
        try:
            cid, created = self.c.upsert(user.id, record)
        except IdentityError as exc:
            raise Invalid("identities", str(exc)) from None
        except CustomerError as exc:
            if "needs an id" in str(exc):
                raise Invalid("identities", str(exc)) from None
            raise _mapped(exc) from None
        return {"id": cid, "created": created}

    def identities(self, user: User, customer: str) -> list[dict[str, Any]]:
        record = self.get(user, customer, 0)  # journaled as a read, like the record
        return record["identities"]

    def merge(self, user: User, survivor: str, absorbed: str) -> dict[str, Any]:
        cs = self.c.service.customers
        for cid, name in ((survivor, "id"), (absorbed, "absorbed")):
            if cs.get(cid) is None:
                raise NotFound(f"{name}: no such customer {cid!r}")
        try:
            merge_id = self.c.merge(user.id, survivor, absorbed)
        except CustomerError as exc:
            raise _mapped(exc) from None
        return {"merge": merge_id, "survivor": survivor, "absorbed": absorbed}

    def unmerge(self, user: User, merge_id: int) -> dict[str, Any]:
        try:
            return self.c.unmerge(user.id, merge_id)
        except CustomerError as exc:
            raise _mapped(exc) from None


class ReportsService:
    """Interval figures from the report facts: `calldesk report interval`, the /reports page and
    the wallboard's history chart (`queue_history`) read the same facts."""

    def __init__(
        self,
        store: Any,
        sl_seconds: Mapping[str, float],
        clock: Callable[[], float],
        scope: Callable[[User], set[str] | None],
    ) -> None:
        self.store, self.sl, self.clock, self.scope = store, dict(sl_seconds), clock, scope

    def interval(
        self, user: User, start: float | None, end: float | None, step_s: float, by: str
    ) -> dict[str, Any]:
        if user.role not in ("supervisor", "admin"):  # the route says so too
            raise Refused("reports: supervisors and admins only")
        dims = tuple(d for d in by.split(",") if d)
        for d in dims:
            if d not in DIMENSIONS:
                raise Invalid("by", f"unknown dimension {d!r} (known: {', '.join(DIMENSIONS)})")
        end = float(end if end is not None else self.clock())
        start = float(start if start is not None else end - 86400.0)
        if not start < end:
            raise Invalid("from", "must be before `to`")
        if end - start > MAX_REPORT_S:
            raise Invalid("from", "at most 92 days per request")
        if step_s < MIN_STEP_S:
            raise Invalid("step", f"at least {MIN_STEP_S:.0f} s")
        t = time.perf_counter()
        queues = self.scope(user)  # None: every queue (admins)
        if queues is None:
            rows = interval_report(self.store, start, end, step_s, dims, self.sl)
        else:  # a supervisor: their teams' queues only, summed by the same pure fold
            facts = Facts(self.store)
            facts.catch_up()
            mine = [f for f in facts.between(start, end) if f[QUEUE] in queues]
            rows = aggregate(mine, step_s, dims, self.sl)
        return {
            "from": start,
            "to": end,
            "step": step_s,
            "by": list(dims),
            "rows": rows,
            "took_ms": round((time.perf_counter() - t) * 1000, 1),
        }

    def queue_history(self, queue: str, minutes: int, step: int) -> list[dict[str, Any]]:
        """The wallboard's chart for one queue: the last `minutes` in `step` intervals (aligned
        as the report's), each `{start, offered, answered, abandoned, service_level}`; abandoned
        counts overflowed too, as the live figures do. Interactions count where they arrived."""
        now = float(self.clock())
        start = float(int(now - minutes * 60) // step * step)
        n = max(1, -int(-(now - start) // step))
        facts = Facts(self.store)
        facts.catch_up()
        found = {
            r["start"]: r
            for r in facts.aggregate(start, start + n * step, step, ("queue",), self.sl)
            if r["queue"] == queue
        }
        out = []
        for i in range(n):
            at = start + i * step
            r = found.get(at)
            out.append(
                {
                    "start": at,
                    "offered": r["offered"] if r else 0,
                    "answered": r["answered"] if r else 0,
                    "abandoned": r["abandoned"] + r["overflowed"] if r else 0,
                    "service_level": r["service_level"] if r else None,
                }
            )
        return out

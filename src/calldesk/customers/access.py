"""Who may do what with customer records; every read journaled with its user.

Agents, supervisors and admins may find and read customers (an agent needs the caller's
record); supervisors and admins may import, merge and unmerge; only admins may export a
subject access request, erase a customer or apply retention.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from calldesk.auth import Directory, PermissionDenied, User
from calldesk.customers.contexts import SqliteContexts
from calldesk.customers.journey import Journeys, outcomes
from calldesk.customers.service import CustomerService
from calldesk.customers.store import CustomerError

SUPERVISE = ("supervisor", "admin")


class CustomerAccess:
    def __init__(
        self,
        service: CustomerService,
        contexts: SqliteContexts,
        directory: Directory,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self.contexts = contexts
        self.directory = directory
        self.clock = clock
        self.journal = service.store.journal

    def _user(self, user_id: str, roles: tuple[str, ...], action: str) -> User:
        user = self.directory.user(user_id)
        if user.role not in roles:
            raise PermissionDenied(
                f"{user.id} ({user.role}) may not {action}: {'/'.join(roles)} only"
            )
        return user

    def _log(self, kind: str, subject: str, user: User, **data: Any) -> None:
        self.journal.append(kind, subject, {"by": user.id, **data}, self.clock())

    def search(self, user_id: str, term: str, limit: int = 20) -> list[dict[str, Any]]:
        user = self._user(user_id, ("agent", *SUPERVISE), "search customers")
        found = self.service.find(term, limit)
        self._log("customer.search", "customers", user, found=len(found))
        return [self.service.customers.get(c) or {"id": c} for c in found]

    def show(self, user_id: str, term: str, limit: int | None = 50) -> dict[str, Any]:
        """The record, its merges, the timeline (newest first) and the journeys' outcomes."""
        user = self._user(user_id, ("agent", *SUPERVISE), "read customers")
        cid = self.service.one(term)
        cs = self.service.customers
        record = cs.get(cid)
        if record is None:
            raise CustomerError(f"{term}: no such customer")
        timeline = Journeys(cs).timeline(cid, limit)
        s = self.service.settings
        self._log("customer.read", cid, user)
        return {
            **record,
            "merges": cs.merges(cid),
            "timeline": timeline,
            "journeys": outcomes(timeline, s.fcr_window_s, s.resolved_dispositions),
        }

    def upsert(self, user_id: str, record: dict[str, Any], source: str = "api") -> tuple[str, bool]:
        user = self._user(user_id, SUPERVISE, "change customers")
        cid, created = self.service.upsert(record, self.clock(), source)
        self._log("customer.upserted", cid, user, created=created, source=source)
        return cid, created

    def merge(self, user_id: str, survivor: str, absorbed: str) -> int:
        user = self._user(user_id, SUPERVISE, "merge customers")
        return self.service.merge(survivor, absorbed, user.id, self.clock())

    def unmerge(self, user_id: str, merge_id: int) -> dict[str, Any]:
        user = self._user(user_id, SUPERVISE, "undo merges")
        return self.service.unmerge(merge_id, user.id, self.clock())

    def export(self, user_id: str, customer: str) -> dict[str, Any]:
        from calldesk.customers.privacy import export

        user = self._user(user_id, ("admin",), "export customer data")
        cid = self.service.one(customer)
        out = export(self.service, self.contexts, cid)
        self._log("customer.exported", cid, user)
        return out

    def erase(self, user_id: str, customer: str) -> dict[str, Any]:
        from calldesk.customers.privacy import erase

        user = self._user(user_id, ("admin",), "erase customers")
        cid = self.service.one(customer)
        return erase(self.service, self.contexts, cid, user.id, self.clock())

    def retention(self, user_id: str) -> dict[str, int]:
        from calldesk.customers.privacy import apply_retention

        user = self._user(user_id, ("admin",), "apply retention")
        done = apply_retention(self.service, self.clock())
        self._log("customer.retention", "customers", user, redacted=done)
        return done

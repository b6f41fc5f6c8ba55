"""Customers, identities, attached interactions and merges in SQLite (migration 030_customers).

The store carries out what `resolve` decided; it holds no rule of its own except the integrity
ones (at most one verified holder of an identity, a merge moves and records everything).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from calldesk.customers.identity import Identity
from calldesk.customers.resolve import Holder
from calldesk.errors import CalldeskError
from calldesk.store import Store
from calldesk.uid import time_hex_id


class CustomerError(CalldeskError):
    """A customer operation refused: names the customer or merge and the reason."""


def new_id() -> str:
    """`cu-` and 24 hex digits: the time first (ordered by creation: see calldesk.uid), then 52
    random bits (an import creating thousands a millisecond still never collides)."""
    return "cu-" + time_hex_id(24)


def _prefix_end(prefix: str) -> str:
    return prefix + "\U0010ffff"


class CustomerStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.journal = store.journal

    def _x(self, sql: str, args: Iterable[Any] = ()) -> list[tuple]:
        return self.db.execute(sql, list(args)).fetchall()

    # --- reading ---------------------------------------------------------------------------
    def live(self, customer: str) -> str | None:
        """The customer an id stands for now (follows merges); None if unknown."""
        seen = set()
        while customer not in seen:
            seen.add(customer)
            row = self._x("SELECT merged_into FROM customers WHERE id = ?", [customer])
            if not row:
                return None
            if not row[0][0]:
                return customer
            customer = row[0][0]
        raise CustomerError(f"{customer}: merge loop")

    def holders(self, idents: Iterable[Identity]) -> dict[tuple[str, str], list[Holder]]:
        out: dict[tuple[str, str], list[Holder]] = {}
        for ident in idents:
            rows = self._x(
                "SELECT i.customer, i.verified, i.added_at, "
                "(SELECT max(at) FROM customer_interactions ci WHERE ci.customer = i.customer) "
                "FROM customer_identities i JOIN customers c ON c.id = i.customer "
                "WHERE i.kind = ? AND i.value = ? AND c.merged_into IS NULL",
                ident.key,
            )
            out[ident.key] = [Holder(r[0], bool(r[1]), float(r[3] or r[2] or 0)) for r in rows]
        return out

    def get(self, customer: str) -> dict[str, Any] | None:
        """The record with its identities, in one query (the screen pop's path)."""
        rows = self._x(
            "SELECT c.id, c.name, c.fields, c.created_at, c.updated_at, c.merged_into, "
            "c.erased_at, i.kind, i.value, i.verified, i.source, i.added_at FROM customers c "
            "LEFT JOIN customer_identities i ON i.customer = c.id WHERE c.id = ? "
            "ORDER BY i.kind, i.value",
            [customer],
        )
        if not rows:
            return None
        r = rows[0]
        return {
            "id": r[0],
            "name": r[1],
            "fields": json.loads(r[2] or "{}"),
            "created_at": r[3],
            "updated_at": r[4],
            "merged_into": r[5],
            "erased_at": r[6],
            "identities": [
                {"kind": k, "value": v, "verified": bool(ver), "source": src, "added_at": at}
                for *_, k, v, ver, src, at in rows
                if k is not None
            ],
        }

    def identities(self, customer: str) -> list[dict[str, Any]]:
        rows = self._x(
            "SELECT kind, value, verified, source, added_at FROM customer_identities "
            "WHERE customer = ? ORDER BY kind, value",
            [customer],
        )
        return [
            {"kind": k, "value": v, "verified": bool(ver), "source": s, "added_at": at}
            for k, v, ver, s, at in rows
        ]

    def by_identity(self, ident: Identity) -> list[str]:
        """Live customers holding an identity, the verified holder first."""
        rows = self._x(
            "SELECT i.customer FROM customer_identities i JOIN customers c ON c.id = i.customer "
            "WHERE i.kind = ? AND i.value = ? AND c.merged_into IS NULL "
            "ORDER BY i.verified DESC, i.added_at DESC",
            ident.key,
        )
        return [r[0] for r in rows]

    def search_prefix(self, kind: str, prefix: str, limit: int = 20) -> list[str]:
        """Customers with an identity of `kind` starting with `prefix` (the prefix index)."""
        rows = self._x(
            "SELECT DISTINCT customer FROM customer_identities "
            "WHERE kind = ? AND value >= ? AND value < ? LIMIT ?",
            [kind, prefix, _prefix_end(prefix), limit],
        )
        return [r[0] for r in rows]

    def search_text(self, term: str, limit: int = 20) -> list[str]:
        """Name or any field containing `term` (a scan; identities use the prefix index)."""
        like = "%" + term.replace("%", "").replace("_", "") + "%"
        rows = self._x(
            "SELECT id FROM customers WHERE merged_into IS NULL AND (name LIKE ? OR fields LIKE ?) "
            "LIMIT ?",
            [like, like, limit],
        )
        return [r[0] for r in rows]

    def interactions(self, customer: str, limit: int | None = None) -> list[dict[str, Any]]:
        sql = (
            "SELECT interaction, medium, at, identity, verified FROM customer_interactions "
            "WHERE customer = ? ORDER BY at DESC"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [
            {"interaction": i, "medium": m, "at": at, "identity": ident, "verified": bool(v)}
            for i, m, at, ident, v in self._x(sql, [customer])
        ]

    def customer_of(self, interaction: str) -> str | None:
        row = self._x(
            "SELECT customer FROM customer_interactions WHERE interaction = ?", [interaction]
        )
        return self.live(row[0][0]) if row else None

    def merges(self, customer: str) -> list[dict[str, Any]]:
        rows = self._x(
            "SELECT id, at, survivor, absorbed, identity, actor, undone_at FROM customer_merges "
            "WHERE survivor = ? OR absorbed = ? ORDER BY id",
            [customer, customer],
        )
        keys = ("id", "at", "survivor", "absorbed", "identity", "actor", "undone_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # --- writing ---------------------------------------------------------------------------
    def create(
        self,
        at: float,
        name: str | None = None,
        fields: dict[str, Any] | None = None,
        customer: str | None = None,
    ) -> str:
        cid = customer or new_id()
        self.db.execute(
            "INSERT INTO customers (id, name, fields, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [cid, name, json.dumps(fields or {}, sort_keys=True, default=str), at, at],
        )
        return cid

    def update(self, customer: str, at: float, name: str | None, fields: dict[str, Any]) -> None:
        current = self.get(customer)
        if current is None:
            raise CustomerError(f"{customer}: no such customer")
        merged = {**current["fields"], **fields}
        self.db.execute(
            "UPDATE customers SET name = coalesce(?, name), fields = ?, updated_at = ? "
            "WHERE id = ?",
            [name, json.dumps(merged, sort_keys=True, default=str), at, customer],
        )

    def add_identity(self, customer: str, ident: Identity, source: str, at: float) -> None:
        """Add, or upgrade to verified. A verified identity held verified elsewhere is refused."""
        if ident.verified:
            other = self._x(
                "SELECT customer FROM customer_identities "
                "WHERE kind = ? AND value = ? AND verified = 1 AND customer != ?",
                [*ident.key, customer],
            )
            if other:
                raise CustomerError(
                    f"{ident.kind}:{ident.value}: already verified on {other[0][0]}"
                )
        self.db.execute(
            "INSERT INTO customer_identities (kind, value, customer, verified, source, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, value, customer) DO UPDATE SET "
            "verified = max(verified, excluded.verified)",
            [*ident.key, customer, int(ident.verified), source, at],
        )

    def attach(
        self, interaction: str, customer: str, medium: str, at: float, by: Identity | None
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO customer_interactions "
            "(interaction, customer, medium, at, identity, verified) VALUES (?, ?, ?, ?, ?, ?)",
            [
                interaction,
                customer,
                medium,
                at,
                f"{by.kind}:{by.value}" if by else None,
                int(bool(by and by.verified)),
            ],
        )

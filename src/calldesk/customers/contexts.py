"""The persistent context store: the IVR `context` step and the screen pop read it.

Implements `calldesk.ivr.ports.ContextStore` over the `customer_contexts` table. A key is what
the flow names (by default `{{ caller.id }}`); `interaction_key` and `identity_key` give the two
canonical spellings, keyed by the interaction and by the customer's identity. Writes update
what is there (shallow, like the in-memory store); two processes may share the file.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from calldesk.customers.flowview import customer_view
from calldesk.customers.identity import Identity
from calldesk.customers.service import CustomerService
from calldesk.customers.settings import Settings
from calldesk.store import Store
from calldesk.store.tx import durable


def interaction_key(interaction: str) -> str:
    return f"interaction:{interaction}"


def identity_key(ident: Identity) -> str:
    return f"{ident.kind}:{ident.value}"


class SqliteContexts:
    """`customer:<identity>` keys read the customer and their recent journey (see
    `calldesk.customers.flowview`) merged with what is stored under that key."""

    def __init__(
        self, store: Store, clock: Callable[[], float] = time.time, country: str = "US"
    ) -> None:
        self.store = store
        self.db = store.db
        self.clock = clock
        self.country = country

    @classmethod
    def open(
        cls, path: str | os.PathLike, clock: Callable[[], float] = time.time, country: str = "US"
    ) -> SqliteContexts:
        """Its own connection to the store file (migrated)."""
        return cls(Store.open(path), clock, country)

    @classmethod
    def from_config(cls, config: Any) -> SqliteContexts:
        """On `store.path`, parsing numbers from `customers.country` (what `serve` uses)."""
        country = Settings.from_config(config["customers"]).country
        return cls.open(config.path("store.path"), country=country)

    def read(self, key: str) -> dict[str, Any]:
        row = self.db.execute("SELECT data FROM customer_contexts WHERE key = ?", [key]).fetchone()
        stored = json.loads(row[0]) if row else {}
        if not key.startswith("customer:"):
            return stored
        service = CustomerService(self.store, Settings(country=self.country))
        return {**stored, **customer_view(service, key[len("customer:") :], self.clock())}

    def read_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            f"SELECT key, data FROM customer_contexts WHERE key IN ({marks})", keys
        ).fetchall()
        return {k: json.loads(d) for k, d in rows}

    def write(self, key: str, values: dict[str, Any]) -> None:
        """Shallow update, like the in-memory store; read-modify-write under a write lock, so
        two processes writing the same key lose nothing."""
        if not key:
            raise ValueError("context key: empty")
        durable(self.db.conn)  # a deferred group commit first: BEGIN needs none open
        with self.db.conn:
            self.db.execute("BEGIN IMMEDIATE")
            current = self.read(key)
            current.update(values)
            self.db.execute(
                "INSERT OR REPLACE INTO customer_contexts (key, data, updated_at) VALUES (?, ?, ?)",
                [key, json.dumps(current, sort_keys=True, default=str), float(self.clock())],
            )

    def delete(self, keys: list[str]) -> int:
        """Erasure: drop these keys' context; returns how many rows went."""
        n = 0
        for key in keys:
            n += self.db.execute("DELETE FROM customer_contexts WHERE key = ?", [key]).rowcount
        return n

    def close(self) -> None:
        self.store.close()

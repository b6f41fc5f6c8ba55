"""Merging two customers and undoing it: every move recorded, every merge journaled.

A merge moves the absorbed customer's identities and interactions to the survivor (an identity
both hold collapses into the survivor's, keeping the stronger flag) and leaves the absorbed
record pointing at the survivor. `unmerge` puts back exactly what the merge moved.
"""

from __future__ import annotations

import json
from typing import Any

from calldesk.customers.store import CustomerError, CustomerStore
from calldesk.store.tx import durable


def _tx(cs: CustomerStore) -> Any:
    durable(cs.db.conn)  # a deferred group commit first: BEGIN needs none open
    cs.db.execute("BEGIN IMMEDIATE")
    return cs.db.conn


def merge(
    cs: CustomerStore, survivor: str, absorbed: str, identity: str, actor: str, at: float
) -> int:
    """Merge `absorbed` into `survivor`; returns the merge id. `identity` says why."""
    if survivor == absorbed:
        raise CustomerError(f"{survivor}: cannot merge a customer into itself")
    for cid in (survivor, absorbed):
        if cs.live(cid) != cid:
            raise CustomerError(f"{cid}: no such live customer (unknown or already merged)")
    with _tx(cs):
        moved_ids: list[dict[str, Any]] = []
        for kind, value, verified, source, added in cs._x(
            "SELECT kind, value, verified, source, added_at FROM customer_identities "
            "WHERE customer = ?",
            [absorbed],
        ):
            own = cs._x(
                "SELECT verified FROM customer_identities "
                "WHERE kind = ? AND value = ? AND customer = ?",
                [kind, value, survivor],
            )
            row = {
                "kind": kind,
                "value": value,
                "verified": verified,
                "source": source,
                "added_at": added,
                "collapsed": bool(own),
                "survivor_verified": own[0][0] if own else None,
            }
            cs.db.execute(
                "DELETE FROM customer_identities WHERE kind = ? AND value = ? AND customer = ?",
                [kind, value, absorbed],
            )
            if own:
                cs.db.execute(
                    "UPDATE customer_identities SET verified = max(verified, ?) "
                    "WHERE kind = ? AND value = ? AND customer = ?",
                    [verified, kind, value, survivor],
                )
            else:
                cs.db.execute(
                    "INSERT INTO customer_identities "
                    "(kind, value, customer, verified, source, added_at) VALUES (?,?,?,?,?,?)",
                    [kind, value, survivor, verified, source, added],
                )
            moved_ids.append(row)
        interactions = [
            r[0]
            for r in cs._x(
                "SELECT interaction FROM customer_interactions WHERE customer = ?", [absorbed]
            )
        ]
        cs.db.execute(
            "UPDATE customer_interactions SET customer = ? WHERE customer = ?",
            [survivor, absorbed],
        )
        cs.db.execute(
            "UPDATE customers SET merged_into = ?, updated_at = ? WHERE id = ?",
            [survivor, at, absorbed],
        )
        moved = {"identities": moved_ids, "interactions": interactions}
        cur = cs.db.execute(
            "INSERT INTO customer_merges (at, survivor, absorbed, identity, moved, actor) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [at, survivor, absorbed, identity, json.dumps(moved), actor],
        )
        merge_id = int(cur.lastrowid or 0)
    cs.journal.append(
        "customer.merged",
        survivor,
        {
            "merge": merge_id,
            "absorbed": absorbed,
            "identity": identity.split(":", 1)[0],  # the kind: values are PII
            "actor": actor,
            "identities": len(moved_ids),
            "interactions": len(interactions),
        },
        at,
    )
    return merge_id


def unmerge(cs: CustomerStore, merge_id: int, actor: str, at: float) -> dict[str, Any]:
    """Undo one merge: the absorbed customer gets back what the merge moved."""
    rows = cs._x(
        "SELECT survivor, absorbed, moved, undone_at FROM customer_merges WHERE id = ?",
        [merge_id],
    )
    if not rows:
        raise CustomerError(f"merge {merge_id}: no such merge")
    survivor, absorbed, moved_json, undone = rows[0]
    if undone is not None:
        raise CustomerError(f"merge {merge_id}: already undone")
    if cs.live(survivor) != survivor:
        raise CustomerError(f"merge {merge_id}: {survivor} was merged since; undo that merge first")
    moved = json.loads(moved_json)
    if "identities" not in moved:
        raise CustomerError(f"merge {merge_id}: a customer in it was erased; cannot be undone")
    with _tx(cs):
        for m in moved["identities"]:
            key = [m["kind"], m["value"]]
            if m["collapsed"]:  # the survivor keeps its own copy, with its flag from before
                cs.db.execute(
                    "UPDATE customer_identities SET verified = ? "
                    "WHERE kind = ? AND value = ? AND customer = ?",
                    [m["survivor_verified"], *key, survivor],
                )
            else:
                cs.db.execute(
                    "DELETE FROM customer_identities WHERE kind = ? AND value = ? AND customer = ?",
                    [*key, survivor],
                )
            cs.db.execute(
                "INSERT OR REPLACE INTO customer_identities "
                "(kind, value, customer, verified, source, added_at) VALUES (?,?,?,?,?,?)",
                [*key, absorbed, m["verified"], m["source"], m["added_at"]],
            )
        for iid in moved["interactions"]:
            cs.db.execute(
                "UPDATE customer_interactions SET customer = ? "
                "WHERE interaction = ? AND customer = ?",
                [absorbed, iid, survivor],
            )
        cs.db.execute(
            "UPDATE customers SET merged_into = NULL, updated_at = ? WHERE id = ?",
            [at, absorbed],
        )
        cs.db.execute("UPDATE customer_merges SET undone_at = ? WHERE id = ?", [at, merge_id])
    out = {
        "merge": merge_id,
        "survivor": survivor,
        "absorbed": absorbed,
        "actor": actor,
        "identities": len(moved["identities"]),
        "interactions": len(moved["interactions"]),
    }
    cs.journal.append("customer.unmerged", absorbed, out, at)
    return out

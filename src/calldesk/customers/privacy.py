"""Subject access (export everything held on a customer) and erasure (remove the PII, keep the
anonymous statistics), plus retention of PII and transcripts per medium.

The journal is append-only; erasure is the one sanctioned exception: in one transaction the
guard triggers are lifted, the PII fields (`customers.pii_fields`) of the customer's interactions'
entries are replaced by "[erased]", and the triggers are put back. Kinds, times, queues, agents,
waits and talk times stay, so reports rebuilt from the journal give the same figures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from calldesk.customers.contexts import SqliteContexts, interaction_key
from calldesk.customers.journey import Journeys
from calldesk.customers.service import CustomerService
from calldesk.customers.store import CustomerError
from calldesk.store.tx import durable

ERASED = "[erased]"


def export(service: CustomerService, contexts: SqliteContexts, customer: str) -> dict[str, Any]:
    """Everything held on a customer: record, identities, merges, contexts, timeline, the raw
    journal entries of their interactions, screen pops, recordings, and the conversations and
    messages (transcripts) of their chats, SMS and emails."""
    cs = service.customers
    record = cs.get(customer)
    if record is None:
        raise CustomerError(f"{customer}: no such customer")
    interactions = cs.interactions(customer)
    ids = [i["interaction"] for i in interactions]
    keys = [interaction_key(i) for i in ids]
    keys += [f"{i['kind']}:{i['value']}" for i in record["identities"]]
    journal = [
        {"seq": e.id, "at": e.at, "kind": e.kind, "subject": e.subject, "data": e.data}
        for iid in ids
        for e in cs.journal.read(subject=iid)
    ]
    return {
        "customer": record,
        "merges": cs.merges(customer),
        "contexts": contexts.read_many(keys),
        "interactions": interactions,
        "timeline": Journeys(cs).timeline(customer),
        "journal": journal,
        "screen_pops": _rows(cs.db, "SELECT * FROM screen_pops WHERE interaction IN", ids),
        "recordings": _rows(cs.db, "SELECT * FROM recordings WHERE interaction IN", ids),
        "conversations": _rows(
            cs.db, "SELECT * FROM digital_conversations WHERE id IN", _digital(cs.db, ids)
        ),
        "messages": _rows(
            cs.db,
            "SELECT * FROM digital_messages WHERE interaction IN",
            _digital(cs.db, ids),
            " ORDER BY interaction, seq",
        ),
    }


def _has_digital(db: Any) -> bool:
    return "digital_messages" in db.table_names()


def _digital(db: Any, ids: list[str]) -> list[str]:
    """`ids` if the store has the digital tables (a voice-only store may not)."""
    return ids if _has_digital(db) else []


def scrub_transcripts(db: Any, ids: list[str]) -> int:
    """The messages of these interactions lose their text (`[erased]`) and attachments, and
    their conversations the customer's address; an attachment file goes when no other message
    holds it (files are stored once per content). Returns how many messages changed. In the
    caller's transaction."""
    ids = _digital(db, ids)
    files: set[str] = set()
    changed = 0
    for lo in range(0, len(ids), 500):
        part = ids[lo : lo + 500]
        marks = ",".join("?" * len(part))
        rows = db.execute(
            f"SELECT id, attachments FROM digital_messages WHERE interaction IN ({marks}) "
            "AND (text IS NOT ? OR coalesce(attachments, '[]') != '[]')",
            [*part, ERASED],
        ).fetchall()
        files |= {a["path"] for _, att in rows for a in json.loads(att or "[]") if a.get("path")}
        changed += len(rows)
        db.execute(
            f"UPDATE digital_messages SET text = ?, attachments = '[]' "
            f"WHERE interaction IN ({marks})",
            [ERASED, *part],
        )
        db.execute(
            f"UPDATE digital_conversations SET address = ?, name = NULL WHERE id IN ({marks})",
            [ERASED, *part],
        )
    for path in files:
        held = db.execute(
            "SELECT 1 FROM digital_messages WHERE attachments LIKE ? LIMIT 1",
            ["%" + json.dumps(path)[1:-1] + "%"],
        ).fetchone()
        if held is None:
            Path(path).unlink(missing_ok=True)
    return changed


def _rows(db: Any, sql: str, ids: list[str], tail: str = "") -> list[dict[str, Any]]:
    if not ids:
        return []
    cur = db.execute(f"{sql} ({','.join('?' * len(ids))}){tail}", ids)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def scrub(value: Any, pii: frozenset[str]) -> Any:
    """Replace the values of PII keys, at any depth."""
    if isinstance(value, dict):
        return {
            k: (ERASED if k in pii and v not in (None, "") else scrub(v, pii))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(v, pii) for v in value]
    return value


def redact_interactions(service: CustomerService, ids: Iterable[str], at: float, why: str) -> int:
    """Scrub the PII of these interactions' journal entries and screen pops; returns the number
    of journal entries changed. One transaction, triggers restored before commit."""
    ids = list(ids)
    pii = service.settings.pii_fields
    db = service.store.db
    journeys = Journeys(service.customers)
    # the agent's wrap-up (notes) is journaled under the agent: find it before redacting
    wrapups = [journeys.interaction(iid).get("wrapup_seq") for iid in ids]
    changed = 0
    with db.conn:
        durable(db.conn)  # a deferred group commit first: BEGIN needs none open
        db.execute("BEGIN IMMEDIATE")
        db.execute("DROP TRIGGER journal_no_update")
        for iid, wrapup in zip(ids, wrapups, strict=True):
            for seq, data in db.execute(
                "SELECT id, data FROM journal WHERE subject = ? OR id = ?", [iid, wrapup or -1]
            ).fetchall():
                clean = json.dumps(scrub(json.loads(data), pii), sort_keys=True)
                if clean != data:
                    db.execute("UPDATE journal SET data = ? WHERE id = ?", [clean, seq])
                    changed += 1
            for offer, data in db.execute(
                "SELECT offer, data FROM screen_pops WHERE interaction = ?", [iid]
            ).fetchall():
                clean = json.dumps(scrub(json.loads(data), pii), sort_keys=True)
                db.execute("UPDATE screen_pops SET data = ? WHERE offer = ?", [clean, offer])
            db.execute("UPDATE ivr_runs SET state = ? WHERE interaction_id = ?", [ERASED, iid])
            db.execute(
                "INSERT OR REPLACE INTO customer_redactions (interaction, at, why) VALUES (?,?,?)",
                [iid, at, why],
            )
        _restore_update_guard(db)
    return changed


def _restore_update_guard(db: Any) -> None:
    """The same guard migration 001 made."""
    db.execute(
        "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal "
        "BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END"
    )


def erase(
    service: CustomerService, contexts: SqliteContexts, customer: str, actor: str, at: float
) -> dict[str, Any]:
    """Remove a customer's PII: name, fields, identities, contexts, and the PII in their
    interactions' journal entries. The customer id, the interactions' links and every
    statistic (queue, wait, talk, agent, outcome) stay, anonymous."""
    cs = service.customers
    record = cs.get(customer)
    if record is None:
        raise CustomerError(f"{customer}: no such customer")
    ids = [i["interaction"] for i in cs.interactions(customer)]
    keys = [interaction_key(i) for i in ids]
    keys += [f"{i['kind']}:{i['value']}" for i in record["identities"]]
    dropped = contexts.delete(keys)
    entries = redact_interactions(service, ids, at, f"erase {customer}")
    with cs.db.conn:
        durable(cs.db.conn)  # a deferred group commit first: BEGIN needs none open
        cs.db.execute("BEGIN IMMEDIATE")
        cs.db.execute("DELETE FROM customer_identities WHERE customer = ?", [customer])
        cs.db.execute(
            "UPDATE customers SET name = NULL, fields = '{}', erased_at = ?, updated_at = ? "
            "WHERE id = ?",
            [at, at, customer],
        )
        cs.db.execute(
            "UPDATE customer_interactions SET identity = NULL WHERE customer = ?", [customer]
        )
        messages = scrub_transcripts(cs.db, ids)
        cs.db.execute(
            "UPDATE customer_merges SET moved = '{}', identity = ? "
            "WHERE absorbed = ? OR survivor = ?",
            [ERASED, customer, customer],
        )
    out = {
        "customer": customer,
        "identities": len(record["identities"]),
        "contexts": dropped,
        "interactions": len(ids),
        "journal_entries": entries,
        "messages": messages,
        "actor": actor,
    }
    cs.journal.append("customer.erased", customer, out, at)
    return out


def apply_retention(service: CustomerService, now: float) -> dict[str, int]:
    """Redact the PII of interactions older than their medium's `pii_days`, and the transcripts
    (messages) of conversations older than its `transcripts_days`. Returns, per medium, how many
    interactions were redacted now, and per `<medium> transcripts`, how many messages were
    erased now. Reads arrivals by (kind, at): indexed."""
    done: dict[str, int] = {}
    db = service.store.db
    for medium, spec in sorted(service.settings.retention.items()):
        days = int(spec.get("pii_days", 0))
        if days > 0:
            cutoff = now - days * 86400.0
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT j.subject FROM journal j "
                    "WHERE j.kind = 'interaction.arrived' AND j.at < ? "
                    "AND json_extract(j.data, '$.medium') = ? AND NOT EXISTS "
                    "(SELECT 1 FROM customer_redactions r WHERE r.interaction = j.subject)",
                    [cutoff, medium],
                ).fetchall()
            ]
            if ids:
                redact_interactions(service, ids, now, f"retention {medium} {days} d")
            done[medium] = len(ids)
        kept = int(spec.get("transcripts_days", 0))
        if kept > 0 and _has_digital(db):
            old = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM digital_conversations WHERE medium = ? AND opened_at < ? "
                    "AND address IS NOT ?",
                    [medium, now - kept * 86400.0, ERASED],
                ).fetchall()
            ]
            durable(db.conn)  # a deferred group commit first: BEGIN needs none open
            with db.conn:
                db.execute("BEGIN IMMEDIATE")
                done[f"{medium} transcripts"] = scrub_transcripts(db, old)
    return done

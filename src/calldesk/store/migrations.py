"""Versioned schema migrations. Append new ones at the end; never edit one that has shipped.

Each migration is `(name, function(db))`; applied names are kept in `_migrations`.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]


def m001_journal(db: sqlite_utils.Database) -> None:
    db.table("journal").create(
        {"id": int, "at": float, "kind": str, "subject": str, "data": str},
        pk="id",
        not_null={"at", "kind", "subject", "data"},
    )
    db.table("journal").create_index(["kind", "at"])
    db.table("journal").create_index(["subject", "id"])
    # Append-only: the store refuses updates and deletes at the database level.
    db.execute(
        "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal "
        "BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal "
        "BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END"
    )


def m002_switch_state(db: sqlite_utils.Database) -> None:
    db.table("switch_state").create(
        {"name": str, "state": str, "at": float, "detail": str}, pk="name"
    )


def m003_ivr_runs(db: sqlite_utils.Database) -> None:
    # IVR runs: one row per interaction in a flow (its current step and state), and the exact
    # source of every flow version a run started on, so a restart resumes on the same version.
    db.table("ivr_runs").create(
        {
            "interaction_id": str,
            "flow": str,
            "version": str,
            "step": str,
            "status": str,
            "state": str,
            "started_at": float,
            "updated_at": float,
        },
        pk="interaction_id",
    )
    db.table("ivr_runs").create_index(["status"])
    db.table("ivr_flow_versions").create(
        {"name": str, "version": str, "file": str, "source": str, "first_seen": float},
        pk=("name", "version"),
    )


def m004_sip_credentials(db: sqlite_utils.Database) -> None:
    # One generated SIP password per agent phone (directory user) and domain; fsconf renders
    # them into the FreeSWITCH directory and reuses them, so phones keep registering.
    db.table("sip_credentials").create(
        {"user": str, "domain": str, "password": str, "created_at": float},
        pk=("user", "domain"),
        not_null={"password"},
    )


def m005_recordings_supervision(db: sqlite_utils.Database) -> None:
    # The recordings index (integrity, retention, legal hold) and supervision sessions
    # (who supervises which call in which mode), owned by calldesk.recording / .supervision.
    db.table("recordings").create(
        {
            "id": str,
            "interaction": str,
            "legs": str,
            "agent": str,
            "queue": str,
            "campaign": str,
            "path": str,
            "started_at": float,
            "ended_at": float,
            "duration": float,
            "size": int,
            "sha256": str,
            "status": str,
            "legal_hold": int,
            "retention_days": int,
            "stereo": int,
            "switch": str,
            "why": str,
        },
        pk="id",
        not_null={"interaction", "path", "started_at", "status"},
        defaults={"legal_hold": 0, "stereo": 0, "status": "recording"},
    )
    for cols in (["interaction"], ["agent", "started_at"], ["queue", "started_at"], ["status"]):
        db.table("recordings").create_index(cols)
    db.table("supervision_sessions").create(
        {
            "id": str,
            "supervisor": str,
            "agent": str,
            "interaction": str,
            "target_leg": str,
            "agent_leg": str,
            "supervisor_leg": str,
            "switch": str,
            "mode": str,
            "status": str,
            "started_at": float,
            "ended_at": float,
            "end_reason": str,
        },
        pk="id",
    )
    db.table("supervision_sessions").create_index(["status"])


def m006_control_inbox(db: sqlite_utils.Database) -> None:
    db.table("control_inbox").create(
        {
            "id": int,
            "posted_at": float,
            "actor": str,
            "command": str,
            "args": str,
            "status": str,
            "result": str,
            "handled_at": float,
        },
        pk="id",
    )
    db.table("control_inbox").create_index(["status", "id"])


def m007_acd_dispatch(db: sqlite_utils.Database) -> None:
    # The ACD dispatcher (calldesk.dispatch): every input the pure core was given, in order, so
    # a restarted controller replays them into the same state; which leg belongs to which
    # interaction or offer; and the screen pop an agent's desktop reads on answer.
    db.table("acd_inputs").create(
        {"id": int, "at": float, "batch": int, "type": str, "data": str}, pk="id"
    )
    db.table("acd_legs").create(
        {"key": str, "leg": str, "switch": str, "role": str, "at": float}, pk="key"
    )
    db.table("acd_legs").create_index(["leg"])
    db.table("screen_pops").create(
        {"offer": str, "interaction": str, "agent": str, "at": float, "data": str}, pk="offer"
    )
    db.table("screen_pops").create_index(["agent", "at"])


def m008_acd_snapshots(db: sqlite_utils.Database) -> None:
    # Snapshots of the pure ACD core (`Acd.snapshot()`, JSON) with the last batch they include:
    # a restart restores the newest and replays only the `acd_inputs` after it, and the inputs
    # up to it are deleted in the same transaction, so neither grows without bound.
    db.table("acd_snapshots").create({"id": int, "batch": int, "at": float, "data": str}, pk="id")
    db.table("acd_inputs").create_index(["batch"])  # replay after, and delete up to, a batch


def m009_interactions(db: sqlite_utils.Database) -> None:
    # Interactions with ids of their own (calldesk.interactions), and the legs or message
    # threads attached to each over time; `address` finds the interaction of a leg or thread.
    db.table("interactions").create(
        {
            "id": str,
            "medium": str,
            "opened_at": float,
            "closed_at": float,
            "identities": str,
            "data": str,
        },
        pk="id",
        not_null={"medium", "opened_at", "identities", "data"},
    )
    db.table("interaction_attachments").create(
        {
            "id": int,
            "interaction": str,
            "address": str,
            "role": str,
            "attached_at": float,
            "detached_at": float,
        },
        pk="id",
        not_null={"interaction", "address", "role", "attached_at"},
    )
    db.table("interaction_attachments").create_index(["address", "detached_at"])
    db.table("interaction_attachments").create_index(["interaction"])
    # An IVR run is keyed by its interaction; `address` is the leg (or thread) it runs on.
    if "ivr_runs" in db.table_names():
        db.table("ivr_runs").add_column("address", str)
        db.table("ivr_runs").create_index(["address"])


def m020_dialer(db: sqlite_utils.Database) -> None:
    # Outbound: contact lists, the do-not-call list (global scope "*" or a campaign), and the
    # compliance ledger: one row per attempt, append-only like the journal.
    db.table("dialer_contacts").create(
        {
            "list": str,
            "number": str,
            "name": str,
            "timezone": str,
            "fields": str,
            "line": int,
            "imported_at": float,
        },
        pk=("list", "number"),
    )
    db.table("dnc").create(
        {"number": str, "scope": str, "added_at": float, "expires_at": float, "source": str},
        pk=("number", "scope"),
    )
    db.table("compliance_ledger").create(
        {
            "id": int,
            "at": float,
            "campaign": str,
            "contact": str,
            "number": str,
            "local_time": str,
            "timezone": str,
            "window": str,
            "dnc_checked": int,
            "dnc_hit": int,
            "trunk": str,
            "caller_id": str,
            "ring_s": float,
            "ring_limit_s": float,
            "outcome": str,
            "cause": str,
            "amd": str,
            "agent": str,
            "answer_to_agent_s": float,
            "abandoned": int,
            "safe_harbour": int,
            "interaction": str,
        },
        pk="id",
        not_null={"at", "campaign", "number", "outcome"},
    )
    db.table("compliance_ledger").create_index(["campaign", "at"])
    for op in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER compliance_ledger_no_{op.lower()} BEFORE {op} ON compliance_ledger "
            "BEGIN SELECT RAISE(ABORT, 'compliance_ledger is append-only'); END"
        )


def m030_customers(db: sqlite_utils.Database) -> None:
    # Customer context (calldesk.customers): the persistent context store the IVR `context`
    # step and the screen pop read; customers and their identities (any number of customers may
    # hold an identity unverified, at most one verified); which customer each interaction is
    # attached to; and every merge with what it moved, so it can be undone.
    db.table("customer_contexts").create({"key": str, "data": str, "updated_at": float}, pk="key")
    db.table("customers").create(
        {
            "id": str,
            "name": str,
            "fields": str,
            "created_at": float,
            "updated_at": float,
            "merged_into": str,
            "erased_at": float,
        },
        pk="id",
    )
    db.table("customer_identities").create(
        {
            "kind": str,
            "value": str,
            "customer": str,
            "verified": int,
            "source": str,
            "added_at": float,
        },
        pk=("kind", "value", "customer"),
    )
    # (kind, value) is the prefix index: `value >= ? AND value < ?` range scans for search.
    db.table("customer_identities").create_index(["customer"])
    db.execute(
        "CREATE UNIQUE INDEX customer_identities_one_verified "
        "ON customer_identities (kind, value) WHERE verified = 1"
    )
    db.table("customer_interactions").create(
        {
            "interaction": str,
            "customer": str,
            "medium": str,
            "at": float,
            "identity": str,
            "verified": int,
        },
        pk="interaction",
    )
    db.table("customer_interactions").create_index(["customer", "at"])
    db.table("customer_merges").create(
        {
            "id": int,
            "at": float,
            "survivor": str,
            "absorbed": str,
            "identity": str,
            "moved": str,
            "actor": str,
            "undone_at": float,
        },
        pk="id",
    )
    db.table("customer_merges").create_index(["survivor"])
    db.table("customer_merges").create_index(["absorbed"])
    # interactions whose PII was erased (subject access erasure or retention), with why
    db.table("customer_redactions").create(
        {"interaction": str, "at": float, "why": str}, pk="interaction"
    )
    # Reports (calldesk.reports): one fact per interaction folded from the journal up to
    # `report_cursor.seq`; dropped and refolded by `calldesk report rebuild`.
    db.table("report_facts").create(
        {
            "interaction": str,
            "arrived_at": float,
            "queue": str,
            "medium": str,
            "customer": str,
            "agent": str,
            "wait": float,
            "answered": int,
            "abandoned": int,
            "overflowed": int,
            "handled": int,
            "talk": float,
            "wrap": float,
            "transfers": int,
            "csat_sum": float,
            "csat_n": int,
            "repeated": int,
        },
        pk="interaction",
    )
    db.table("report_facts").create_index(["arrived_at"])
    db.table("report_facts").create_index(["customer", "queue", "arrived_at"])
    db.table("report_cursor").create({"name": str, "seq": int}, pk="name")


def m040_http(db: sqlite_utils.Database) -> None:
    # The HTTP API's credentials (argon2 password hashes; API tokens as sha256 of their secret,
    # shown once) and the webhook outbox (one row per hook and journal entry, delivered in order
    # per subject; `webhook_cursor` is the last journal seq queued, so a crash loses none).
    db.table("user_passwords").create({"user": str, "hash": str, "updated_at": float}, pk="user")
    db.table("api_tokens").create(
        {
            "id": str,
            "user": str,
            "hash": str,
            "label": str,
            "created_at": float,
            "last_used_at": float,
            "revoked_at": float,
        },
        pk="id",
    )
    db.table("api_tokens").create_index(["user"])
    db.table("webhook_outbox").create(
        {
            "id": int,
            "hook": str,
            "seq": int,
            "subject": str,
            "kind": str,
            "body": str,
            "status": str,
            "attempts": int,
            "next_at": float,
            "last_error": str,
            "delivered_at": float,
        },
        pk="id",
    )
    db.table("webhook_outbox").create_index(["status", "next_at"])
    db.table("webhook_outbox").create_index(["hook", "subject", "id"])
    db.table("webhook_cursor").create({"hook": str, "seq": int}, pk="hook")


def m050_digital(db: sqlite_utils.Database) -> None:
    # Chat, SMS and email (calldesk.digital): conversations (the interactions, with their own
    # ids) and their messages, which form the transcript; the SMS opt-out list.
    db.table("digital_conversations").create(
        {
            "id": str,
            "medium": str,
            "address": str,
            "opened_at": float,
            "state": str,
            "name": str,
            "queue": str,
            "agent": str,
            "flow": str,
            "last_in_at": float,
            "last_out_at": float,
            "reminded_at": float,
            "closed_at": float,
            "close_reason": str,
            "previous": str,
            "data": str,
        },
        pk="id",
    )
    db.table("digital_conversations").create_index(["medium", "address", "opened_at"])
    db.table("digital_conversations").create_index(["state"])
    db.table("digital_messages").create(
        {
            "id": str,
            "interaction": str,
            "seq": int,
            "direction": str,
            "author": str,
            "text": str,
            "at": float,
            "status": str,
            "attachments": str,
            "external_id": str,
        },
        pk="id",
    )
    db.table("digital_messages").create_index(["interaction", "seq"], unique=True)
    db.table("digital_messages").create_index(["external_id"])
    db.table("sms_optout").create({"number": str, "at": float, "keyword": str}, pk="number")
    db.table("digital_secrets").create({"name": str, "value": str}, pk="name")  # made on first use


def m067_outbound(db: sqlite_utils.Database) -> None:
    # The ledger says when each attempt's 2 s started (`answer`, or `greeting_end` with AMD
    # and `safe_harbour_from: greeting_end`): the report reads answer_to_agent_s against it.
    db.execute("ALTER TABLE compliance_ledger ADD COLUMN grace_from TEXT DEFAULT 'answer'")


def m071_message_html(db: sqlite_utils.Database) -> None:
    # An email's HTML body, sanitized on receipt (calldesk.digital.email.parse.sanitize), so the
    # agent's transcript can show it; "" for every other message. Conversations by the one they
    # continue: an attachment's download scope follows the history forward.
    db.execute("ALTER TABLE digital_messages ADD COLUMN html TEXT DEFAULT ''")
    db.table("digital_conversations").create_index(["previous"])


def m078_ivr_runs_by_address(db: sqlite_utils.Database) -> None:
    # The newest run on a leg (`RunStore.status_at`, asked once per arriving call): an index on
    # (address, started_at) answers it in order, where the one on address alone sorted the
    # matches in a temporary B-tree on every call.
    db.execute("DROP INDEX IF EXISTS idx_ivr_runs_address")
    db.table("ivr_runs").create_index(["address", "started_at"], if_not_exists=True)


MIGRATIONS: list[Migration] = [
    ("001_journal", m001_journal),
    ("002_switch_state", m002_switch_state),
    ("003_ivr_runs", m003_ivr_runs),
    ("004_sip_credentials", m004_sip_credentials),
    ("005_recordings_supervision", m005_recordings_supervision),
    ("006_control_inbox", m006_control_inbox),
    ("007_acd_dispatch", m007_acd_dispatch),
    ("008_acd_snapshots", m008_acd_snapshots),
    ("009_interactions", m009_interactions),
    ("020_dialer", m020_dialer),
    ("030_customers", m030_customers),
    ("040_http", m040_http),
    ("050_digital", m050_digital),
    ("067_outbound", m067_outbound),
    ("071_message_html", m071_message_html),
    ("078_ivr_runs_by_address", m078_ivr_runs_by_address),
]

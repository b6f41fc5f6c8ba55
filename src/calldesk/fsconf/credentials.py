"""SIP passwords for agents' phones: generated once with `secrets`, stored, reused at every render.

The `sip_credentials` table (store migration) holds one row per directory user and domain.
Rotating a password is deleting its row (`rotate`) and rendering again.
"""

from __future__ import annotations

import secrets
import time

import sqlite_utils

TABLE = "sip_credentials"
PASSWORD_BYTES = 18  # token_urlsafe(18) -> 24 characters, ~144 bits


def generate_password() -> str:
    # urlsafe alphabet: no XML markup, no whitespace, safe in SIP digest and in phone UIs
    return secrets.token_urlsafe(PASSWORD_BYTES)


class SipCredentials:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def get(self, user: str, domain: str) -> str | None:
        rows = list(self.db.table(TABLE).rows_where("user = ? AND domain = ?", [user, domain]))
        return rows[0]["password"] if rows else None

    def get_or_create(self, user: str, domain: str) -> str:
        found = self.get(user, domain)
        if found:
            return found
        password = generate_password()
        self.db.table(TABLE).insert(
            {"user": user, "domain": domain, "password": password, "created_at": time.time()},
            pk=("user", "domain"),
        )
        return password

    def rotate(self, user: str, domain: str) -> None:
        self.db.execute(f"DELETE FROM {TABLE} WHERE user = ? AND domain = ?", [user, domain])

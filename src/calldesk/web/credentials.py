"""Passwords (argon2id, salted, memory-hard) and API tokens (random, stored as sha256, shown
once), in the store. Never in calldesk.yaml."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from calldesk.errors import CalldeskError
from calldesk.store import Store

MIN_PASSWORD = 10
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("calldesk-no-such-user")  # equal work for unknown users


class CredentialError(CalldeskError):
    pass


@dataclass(frozen=True)
class TokenRow:
    id: str
    user: str
    label: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None


class Credentials:
    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.db = store.db
        self.clock = clock

    # passwords
    def set_password(self, user: str, password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise CredentialError(f"password: at least {MIN_PASSWORD} characters")
        self.db.execute(
            "INSERT OR REPLACE INTO user_passwords (user, hash, updated_at) VALUES (?, ?, ?)",
            [user, _HASHER.hash(password), self.clock()],
        )

    def has_password(self, user: str) -> bool:
        return self.db.execute("SELECT 1 FROM user_passwords WHERE user = ?", [user]).fetchone() is not None

    def check_password(self, user: str, password: str) -> bool:
        row = self.db.execute("SELECT hash FROM user_passwords WHERE user = ?", [user]).fetchone()
        try:
            return _HASHER.verify(row[0] if row else _DUMMY, password) and row is not None
        except (VerificationError, InvalidHashError):
            return False

    # tokens: "cdk_<id>_<secret>"
    def create_token(self, user: str, label: str = "") -> tuple[str, str]:
        tid, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
        self.db.execute(
            "INSERT INTO api_tokens (id, user, hash, label, created_at) VALUES (?, ?, ?, ?, ?)",
            [tid, user, _sha(secret), label, self.clock()],
        )
        return tid, f"cdk_{tid}_{secret}"

    def revoke_token(self, tid: str) -> bool:
        cur = self.db.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [self.clock(), tid],
        )
        return cur.rowcount > 0

    def tokens(self, user: str | None = None) -> list[TokenRow]:
        sql, args = "SELECT id, user, label, created_at, last_used_at, revoked_at FROM api_tokens", []
        if user is not None:
            sql, args = sql + " WHERE user = ?", [user]
        return [TokenRow(*r) for r in self.db.execute(sql + " ORDER BY created_at", args).fetchall()]

    def check_token(self, token: str) -> str | None:
        """The token's user, or None (malformed, unknown, revoked)."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "cdk":
            return None
        row = self.db.execute(
            "SELECT user, hash, revoked_at FROM api_tokens WHERE id = ?", [parts[1]]
        ).fetchone()
        if row is None or row[2] is not None or not hmac.compare_digest(row[1], _sha(parts[2])):
            return None
        return str(row[0])


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()

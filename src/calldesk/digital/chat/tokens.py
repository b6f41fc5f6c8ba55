"""Signed visitor tokens: `v1.<visitor>.<expires>.<hmac-sha256>`. A token names one visitor, and
a visitor reaches only their own conversation; nothing else is in it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from calldesk.store import Store


class BadToken(ValueError):
    """A missing, forged, malformed or expired visitor token."""


def store_secret(store: Store, name: str = "chat_visitor_key") -> bytes:
    """The signing key, made once per store (no default secret) and kept across restarts, so a
    visitor who comes back reaches the same conversation."""
    db = store.db
    db.execute(
        "INSERT OR IGNORE INTO digital_secrets (name, value) VALUES (?, ?)",
        [name, secrets.token_hex(32)],
    )
    row = db.execute("SELECT value FROM digital_secrets WHERE name = ?", [name]).fetchone()
    return bytes.fromhex(row[0])


class VisitorTokens:
    def __init__(self, key: bytes, ttl_s: float = 30 * 86400) -> None:
        if len(key) < 16:
            raise ValueError("a visitor token key needs at least 16 bytes")
        self.key, self.ttl_s = key, ttl_s

    def _sig(self, body: str) -> str:
        mac = hmac.new(self.key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def issue(self, now: float, visitor: str | None = None) -> tuple[str, str]:
        """(token, visitor id); a new visitor id unless one is given."""
        visitor = visitor or f"v-{secrets.token_hex(10)}"
        body = f"v1.{visitor}.{int(now + self.ttl_s)}"
        return f"{body}.{self._sig(body)}", visitor

    def verify(self, token: str, now: float) -> str:
        """The visitor id the token names; raises BadToken."""
        parts = (token or "").split(".")
        if len(parts) != 4 or parts[0] != "v1" or not parts[2].isdigit():
            raise BadToken("malformed visitor token")
        body = ".".join(parts[:3])
        if not hmac.compare_digest(self._sig(body), parts[3]):
            raise BadToken("bad visitor token signature")
        if int(parts[2]) < now:
            raise BadToken("visitor token expired")
        return parts[1]

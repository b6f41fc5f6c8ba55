"""Webhooks out: journal entries of chosen kinds POSTed to a URL, signed, from an outbox.

Config: `webhooks: [{name, url, events: [interaction.ended, "agent.*"], secret_env}]`.
Each entry of a chosen kind becomes an outbox row in the same process step that published it
(the hook's cursor moves with it, and a restart queues what the cursor missed), so a crash loses
none. Rows of one subject (an interaction) go out in order: the next waits for the one before.
Headers: `X-Calldesk-Timestamp`, `X-Calldesk-Signature: sha256=HMAC(secret, "<ts>." + body)`.
A failure is retried with backoff (2^n s up to 10 min), then marked failed after `MAX_ATTEMPTS`;
`calldesk webhooks status` shows both.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import gevent
import gevent.event

from calldesk.errors import ConfigError
from calldesk.store import Store
from calldesk.store.journal import Entry

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
MAX_BACKOFF_S = 600.0
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Hook:
    name: str
    url: str
    events: tuple[str, ...]
    secret: bytes

    def wants(self, kind: str) -> bool:
        return any(kind == p or (p.endswith("*") and kind.startswith(p[:-1])) for p in self.events)


def parse_hooks(raw: Any, env: Mapping[str, str]) -> list[Hook]:
    hooks = []
    for i, h in enumerate(raw or []):
        path = f"webhooks[{i}]"
        if not isinstance(h, Mapping):
            raise ConfigError(path, "must be a mapping")
        unknown = set(h) - {"name", "url", "events", "secret_env"}
        if unknown:
            raise ConfigError(f"{path}.{sorted(unknown)[0]}", "unknown key")
        name, url = str(h.get("name") or f"hook{i}"), h.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"{path}.url", "must be an http:// or https:// URL")
        events = h.get("events")
        if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
            raise ConfigError(f"{path}.events", "must be a list of journal kinds (kind or prefix.*)")
        secret_env = h.get("secret_env")
        if not isinstance(secret_env, str) or not env.get(secret_env):
            raise ConfigError(f"{path}.secret_env", "must name a set environment variable")
        hooks.append(Hook(name, url, tuple(events), env[secret_env].encode()))
    return hooks


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:  # noqa: S310 - configured URL
            return resp.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return 0, str(exc)[:200]


class Webhooks:
    def __init__(self, hooks: list[Hook], store: Store, clock: Callable[[], float],
                 poll_s: float = 0.2) -> None:  # fmt: skip
        self.hooks = {h.name: h for h in hooks}
        self.store, self.db, self.clock, self.poll_s = store, store.db, clock, poll_s
        self._wake = gevent.event.Event()

    @classmethod
    def from_config(cls, raw: Any, store: Store, clock: Callable[[], float],
                    env: Mapping[str, str]) -> Webhooks | None:  # fmt: skip
        hooks = parse_hooks(raw, env)
        return cls(hooks, store, clock) if hooks else None

    # queueing
    def catch_up(self) -> int:
        n = 0
        for hook in self.hooks.values():
            row = self.db.execute("SELECT seq FROM webhook_cursor WHERE hook = ?", [hook.name]).fetchone()
            if row is None:  # a new hook starts from now, not from the journal's beginning
                last = self.db.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0]
                self._cursor(hook.name, last)
                continue
            for e in self.store.journal.read(after_id=row[0]):
                n += self._queue(hook, e)
        return n

    def _cursor(self, hook: str, seq: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO webhook_cursor (hook, seq) VALUES (?, ?)", [hook, seq])

    def _queue(self, hook: Hook, e: Entry) -> int:
        queued = 0
        if hook.wants(e.kind):
            body = json.dumps({"seq": e.id, "kind": e.kind, "subject": e.subject, "at": e.at,
                               "data": e.data}, sort_keys=True, default=str)  # fmt: skip
            self.db.execute(
                "INSERT INTO webhook_outbox (hook, seq, subject, kind, body, status, attempts, "
                "next_at, last_error) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, '')",
                [hook.name, e.id, e.subject, e.kind, body, self.clock()],
            )
            queued = 1
        self._cursor(hook.name, e.id)
        return queued

    def on_entry(self, e: Entry) -> None:
        if any(h.wants(e.kind) for h in self.hooks.values()):
            for hook in self.hooks.values():
                self._queue(hook, e)
            self._wake.set()

    # delivering
    def due(self, limit: int = 20) -> list[tuple]:
        return self.db.execute(
            "SELECT id, hook, kind, body, attempts FROM webhook_outbox o WHERE status = 'pending' "
            "AND next_at <= ? AND id = (SELECT min(id) FROM webhook_outbox WHERE hook = o.hook "
            "AND subject = o.subject AND status = 'pending') ORDER BY id LIMIT ?",
            [self.clock(), limit],
        ).fetchall()

    def deliver(self, row: tuple, post: Callable[..., tuple[int, str]] | None = None) -> bool:
        rid, name, kind, body, attempts = row
        hook = self.hooks.get(name)
        if hook is None:
            return False
        ts = f"{self.clock():.3f}"
        data = body.encode()
        headers = {"Content-Type": "application/json", "X-Calldesk-Event": kind,
                   "X-Calldesk-Delivery": str(rid), "X-Calldesk-Timestamp": ts,
                   "X-Calldesk-Signature": sign(hook.secret, ts, data)}  # fmt: skip
        if post is None:
            status, error = gevent.get_hub().threadpool.spawn(_post, hook.url, data, headers).get()
        else:
            status, error = post(hook.url, data, headers)
        if 200 <= status < 300:
            self.db.execute("UPDATE webhook_outbox SET status = 'delivered', attempts = ?, "
                            "delivered_at = ? WHERE id = ?", [attempts + 1, self.clock(), rid])  # fmt: skip
            return True
        attempts += 1
        failed = attempts >= MAX_ATTEMPTS
        self.db.execute(
            "UPDATE webhook_outbox SET status = ?, attempts = ?, next_at = ?, last_error = ? "
            "WHERE id = ?",
            ["failed" if failed else "pending", attempts,
             self.clock() + min(2.0**attempts, MAX_BACKOFF_S), error or f"HTTP {status}", rid],
        )  # fmt: skip
        return False

    def run_once(self, post: Callable[..., tuple[int, str]] | None = None) -> int:
        rows = self.due()
        for row in rows:
            self.deliver(row, post)
        return len(rows)

    def run(self) -> None:
        while True:
            try:
                if not self.run_once():
                    self._wake.wait(self.poll_s)
                    self._wake.clear()
            except Exception:
                log.exception("webhook delivery step failed")
                gevent.sleep(1.0)

    def start(self) -> gevent.Greenlet:
        self.catch_up()
        notifier = self.store.journal.notifier
        if notifier is not None:
            notifier.subscribe(self.on_entry)
        return gevent.spawn(self.run)


def status(store: Store) -> list[dict[str, Any]]:
    """Per hook: counts by status, the oldest pending row's age basis, the last error."""
    out = []
    for (hook,) in store.db.execute("SELECT DISTINCT hook FROM webhook_outbox ORDER BY hook").fetchall():
        counts = dict(store.db.execute(
            "SELECT status, count(*) FROM webhook_outbox WHERE hook = ? GROUP BY status", [hook]
        ).fetchall())  # fmt: skip
        last = store.db.execute(
            "SELECT last_error, kind, subject, attempts FROM webhook_outbox WHERE hook = ? AND "
            "last_error != '' AND status != 'delivered' ORDER BY id DESC LIMIT 1", [hook]
        ).fetchone()  # fmt: skip
        oldest = store.db.execute("SELECT min(next_at) FROM webhook_outbox WHERE hook = ? AND "
                                  "status = 'pending'", [hook]).fetchone()[0]  # fmt: skip
        out.append({"hook": hook, "pending": counts.get("pending", 0),
                    "delivered": counts.get("delivered", 0), "failed": counts.get("failed", 0),
                    "next_attempt_at": oldest,
                    "last_error": dict(zip(("error", "kind", "subject", "attempts"), last, strict=True))
                    if last else None})  # fmt: skip
    return out

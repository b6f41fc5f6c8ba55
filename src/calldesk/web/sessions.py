"""Browser sessions (cookie `calldesk_session`, with a CSRF token per session) and the limit
on failed logins, per user and per address."""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "calldesk_session"
IDLE_S = 12 * 3600.0


@dataclass
class Session:
    id: str
    user: str
    csrf: str
    last_seen: float


class Sessions:
    def __init__(self, clock: Callable[[], float], idle_s: float = IDLE_S) -> None:
        self.clock, self.idle_s = clock, idle_s
        self._by_id: dict[str, Session] = {}

    def open(self, user: str) -> Session:
        s = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(24), self.clock())
        self._by_id[s.id] = s
        return s

    def get(self, sid: str) -> Session | None:
        s = self._by_id.get(sid)
        if s is None:
            return None
        now = self.clock()
        if now - s.last_seen > self.idle_s:
            del self._by_id[sid]
            return None
        s.last_seen = now
        return s

    def close(self, sid: str) -> None:
        self._by_id.pop(sid, None)


@dataclass
class LoginLimiter:
    """At most `per_user` failures per user and `per_address` per address in `window_s`."""

    clock: Callable[[], float]
    per_user: int = 5
    per_address: int = 20
    window_s: float = 300.0
    _fails: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, key: str) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and q[0] < self.clock() - self.window_s:
            q.popleft()
        return q

    def blocked(self, user: str, address: str) -> float | None:
        """Seconds to wait, or None when a try is allowed."""
        for key, limit in ((f"u:{user}", self.per_user), (f"a:{address}", self.per_address)):
            q = self._recent(key)
            if len(q) >= limit:
                return max(1.0, q[0] + self.window_s - self.clock())
        return None

    def failed(self, user: str, address: str) -> None:
        now = self.clock()
        self._recent(f"u:{user}").append(now)
        self._recent(f"a:{address}").append(now)
        if len(self._fails) > 10000:  # forget idle keys
            for key in [k for k, q in self._fails.items() if not q]:
                del self._fails[key]

    def succeeded(self, user: str) -> None:
        self._fails.pop(f"u:{user}", None)

"""What every request needs: the services, the credentials, sessions and login limits, and
the bookkeeping after each request (metrics, and a journal line for every request)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request

from calldesk.auth import User
from calldesk.service import Services
from calldesk.store import Store
from calldesk.web.api import ApiError, RouteSpec, current
from calldesk.web.audit import Audit
from calldesk.web.credentials import Credentials
from calldesk.web.sessions import COOKIE, LoginLimiter, Sessions


@dataclass
class Web:
    services: Services
    store: Store
    clock: Callable[[], float]
    tls: bool = False
    validate_responses: bool = False
    metrics: Any = None
    hub: Any = None  # calldesk.web.events.EventHub
    extras: dict[str, Any] = field(default_factory=dict)  # board, controller … for /metrics

    def __post_init__(self) -> None:
        self.credentials = Credentials(self.store, self.clock)
        self.sessions = Sessions(self.clock)
        self.limiter = LoginLimiter(self.clock)
        self.audit = Audit(self.store.journal)

    def journal(self, kind: str, subject: str, data: dict[str, Any]) -> None:
        self.store.journal.append(kind, subject, data, self.clock())

    def address(self, request: Request | None = None) -> str:
        return (request or current()).remote_addr or "-"

    def authenticate(self, spec: RouteSpec | None = None, request: Request | None = None) -> User:
        request = request or current()
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            uid = (
                self.credentials.check_token(token.strip()) if scheme.lower() == "bearer" else None
            )
            if uid is None:
                raise ApiError(401, "unauthorized", "bearer token unknown, revoked or malformed")
            return self._user(uid)
        sid = request.cookies.get(COOKIE)
        session = self.sessions.get(sid) if sid else None
        if session is None:
            raise ApiError(401, "unauthorized", "log in (POST /api/login) or send a bearer token")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if request.headers.get("X-CSRF-Token", "") != session.csrf:
                raise ApiError(403, "csrf", "missing or wrong X-CSRF-Token header", "X-CSRF-Token")
        return self._user(session.user)

    def _user(self, uid: str) -> User:
        try:
            return self.services.user(uid)
        except Exception:
            raise ApiError(401, "unauthorized", f"user {uid!r} no longer exists") from None

    def after(
        self,
        spec: RouteSpec,
        user: User | None,
        status: int,
        seconds: float,
        request: Request,
        params: dict[str, str],
    ) -> None:
        """Metrics, and a journal line for every authenticated request (queued: `Audit`)."""
        if self.metrics is not None:
            self.metrics.request(spec.path, spec.method, status, seconds)
        if spec.public:
            return
        who = user.id if user else "-"
        if spec.method == "GET":
            subject = str(next(iter(params.values()))) if params else spec.path
            data = {"user": who, "route": spec.path, "status": status}
            self.audit.add("api.read", subject, data, self.clock())
            return
        data = {
            "method": spec.method,
            "route": spec.path,
            "path": request.path,
            "status": status,
            "address": request.remote_addr or "-",
        }
        self.audit.add("api.request", who, data, self.clock())

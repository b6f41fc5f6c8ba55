"""The route registry: each route declares its roles, body, query and response models, and one
wrapper authenticates, checks the role, validates, calls the service, maps errors and journals.
The OpenAPI document (`calldesk.web.openapi`) is generated from this same registry.

Errors are `{"error", "detail", "field"}`: 400 invalid (names the field), 401, 403 forbidden,
404 not_found, 409 refused, 413 too_large, 429 rate_limited; never a 500 for bad input. A state
change the engine has not decided within its wait is 202 `pending` (it will be carried out).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import flask
import gevent
from flask import Blueprint, Response
from pydantic import BaseModel, TypeAdapter, ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request

from calldesk.auth import PermissionDenied, User
from calldesk.errors import CalldeskError
from calldesk.service.errors import Invalid, NotFound, Pending, Refused
from calldesk.supervision.acd_actions import ActionRefused
from calldesk.supervision.session import SupervisionError
from calldesk.web.models import Error

log = logging.getLogger(__name__)

ALL = ("agent", "supervisor", "admin")
STAFF = ("supervisor", "admin")
ADMIN = ("admin",)
ID_RE = re.compile(r"^[A-Za-z0-9_.:@+\-/]{1,160}$")


_REQUEST: ContextVar[Request | None] = ContextVar("calldesk_request", default=None)


def current() -> Request:
    """The request being served: the API's own (`calldesk.web.fastpath`, no Flask context) or,
    for what Flask dispatched, Flask's. Each greenlet has its own (contextvars)."""
    req = _REQUEST.get()
    return req if req is not None else flask.request._get_current_object()  # type: ignore[attr-defined]


@contextmanager
def using_request(req: Request) -> Iterator[Request]:
    token = _REQUEST.set(req)
    try:
        yield req
    finally:
        _REQUEST.reset(token)


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail, self.field = status, error, detail, field


@dataclass
class RouteSpec:
    method: str
    path: str  # OpenAPI form: /api/agents/{id}
    name: str
    roles: tuple[str, ...]
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None  # a model, list[model], or None for JSON null allowed
    nullable: bool = False
    content: str = "application/json"  # of the response
    body_content: str = "application/json"
    public: bool = False
    statuses: tuple[int, ...] = field(default_factory=tuple)


def error_response(status: int, error: str, detail: str, field_: str | None = None) -> Response:
    body = Error(error=error, detail=detail, field=field_).model_dump()
    return Response(json.dumps(body), status=status, mimetype="application/json")


# status lines as werkzeug writes them
_REASONS = {code: f"{code} {text.upper()}" for code, text in HTTP_STATUS_CODES.items()}
_JSON_TYPE = ("Content-Type", "application/json")


class JsonReply:
    """A JSON answer as a WSGI app: status, two headers, one body. What werkzeug's `Response`
    does besides (a header object, a second pass over it to fix up `Location` and lengths, an
    iterator around the body) costs more than building the answer did. Flask takes it too (as
    any WSGI callable) on the paths it still dispatches."""

    __slots__ = ("status_code", "body")

    def __init__(self, text: str, status: int = 200) -> None:
        self.status_code = status
        self.body = text.encode()

    def get_json(self) -> Any:
        return json.loads(self.body)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        status = _REASONS.get(self.status_code) or f"{self.status_code} UNKNOWN"
        start_response(status, [_JSON_TYPE, ("Content-Length", str(len(self.body)))])
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [self.body]


def error_reply(status: int, error: str, detail: str, field_: str | None = None) -> JsonReply:
    body = {"error": error, "detail": detail, "field": field_}
    return JsonReply(json.dumps(body), status)


def _field(err: Any, prefix: str) -> str:
    loc = ".".join(str(p) for p in err.get("loc", ()))
    return f"{prefix}{loc}" if loc else prefix.rstrip(".") or "body"


def validation_error(exc: ValidationError, prefix: str = "") -> ApiError:
    first = exc.errors()[0]
    name = _field(first, prefix)
    kind = first.get("type", "")
    reason = "unknown field" if kind == "extra_forbidden" else first.get("msg", "invalid")
    return ApiError(400, "invalid", f"{name}: {reason}", name)


def _json_body(request: Request) -> Any:
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    if request.mimetype not in ("application/json", ""):
        raise ApiError(415, "unsupported_media_type", "send the body as application/json", "body")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "malformed_json", f"body: not JSON ({exc})", "body") from None


def _parse(model: type[BaseModel], data: Any, prefix: str) -> BaseModel:
    if not isinstance(data, dict):
        raise ApiError(
            400,
            "invalid",
            f"{prefix.rstrip('.') or 'body'}: must be a JSON object",
            prefix.rstrip(".") or "body",
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, prefix) from None


def map_error(exc: BaseException) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, HTTPException) and exc.code is not None and exc.code < 500:
        if exc.code == 413:
            return ApiError(413, "too_large", "body larger than the limit", "body")
        return ApiError(exc.code, "http", exc.description or exc.name)
    if isinstance(exc, PermissionDenied):
        return ApiError(403, "forbidden", str(exc))
    if isinstance(exc, NotFound):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, Invalid):
        return ApiError(400, "invalid", str(exc), exc.field)
    if isinstance(exc, Pending):
        return ApiError(202, "pending", str(exc))
    if isinstance(exc, Refused | ActionRefused | SupervisionError):
        return ApiError(409, "refused", str(exc))
    if isinstance(exc, CalldeskError):
        return ApiError(409, "refused", str(exc))
    if isinstance(exc, gevent.Timeout):
        return ApiError(503, "busy", "the controller did not answer in time; try again")
    raise exc


class Api:
    """Collects routes on a blueprint. `web` (set by the app) holds the services, the
    authenticator and the journal."""

    def __init__(self) -> None:
        self.bp = Blueprint("api", __name__)
        self.routes: list[RouteSpec] = []
        self.views: list[tuple[RouteSpec, Callable[..., Response | JsonReply]]] = []
        self.web: Any = None

    def route(
        self,
        method: str,
        path: str,
        *,
        roles: tuple[str, ...] = ALL,
        summary: str = "",
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: Any = None,
        nullable: bool = False,
        content: str = "application/json",
        body_content: str = "application/json",
        public: bool = False,
        statuses: tuple[int, ...] = (),
    ) -> Callable:
        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            spec = RouteSpec(
                method,
                path,
                fn.__name__,
                roles,
                summary or (fn.__doc__ or "").strip(),
                body,
                query,
                response,
                nullable,
                content,
                body_content,
                public,
                statuses,
            )
            self.routes.append(spec)
            rule = re.sub(r"\{(\w+)\}", lambda m: f"<{_conv(spec, m.group(1))}:{m.group(1)}>", path)

            def view(**params: str) -> Response | JsonReply:
                return self.handle(spec, fn, params)

            view.__name__ = f"{fn.__name__}_{method.lower()}"
            self.bp.add_url_rule(rule, view.__name__, view, methods=[method])
            self.views.append((spec, view))
            return fn

        return decorate

    def handle(
        self, spec: RouteSpec, fn: Callable[..., Any], params: dict[str, str]
    ) -> Response | JsonReply:
        started = time.perf_counter()
        user: User | None = None
        request = current()
        try:
            for name, value in params.items():
                if not ID_RE.match(value):
                    raise ApiError(400, "invalid", f"{name}: not a valid id", name)
            user = None if spec.public else self.web.authenticate(spec, request)
            if user is not None and user.role not in spec.roles:
                raise self.web.services.access.deny(
                    user,
                    f"{spec.method} {spec.path}",
                    spec.path,
                    f"{user.id} ({user.role}) may not use {spec.method} {spec.path}: "
                    f"{', '.join(spec.roles)} only",
                )
            kwargs: dict[str, Any] = dict(params)
            if spec.body is not None:
                kwargs["body"] = _parse(spec.body, _json_body(request), "")
            elif spec.body_content != "application/json":
                kwargs["text"] = request.get_data(as_text=True)
            if spec.query is not None:
                kwargs["query"] = _parse(spec.query, request.args.to_dict(), "")
            result = fn(user, **kwargs) if not spec.public else fn(**kwargs)
            resp = result if isinstance(result, Response | JsonReply) else self._json(spec, result)
        except (Exception, gevent.Timeout) as exc:  # noqa: BLE001 - mapped, or a logged 500
            try:
                err = map_error(exc)
            except Exception:
                log.exception("%s %s failed", spec.method, spec.path)
                err = ApiError(500, "internal", "internal error (logged)")
            resp = error_reply(err.status, err.error, err.detail, err.field)
        self.web.after(spec, user, resp.status_code, time.perf_counter() - started, request, params)
        return resp

    def _json(self, spec: RouteSpec, result: Any) -> JsonReply:
        if isinstance(result, BaseModel):
            result = result.model_dump()
        if self.web.validate_responses and spec.response is not None:
            if not (result is None and spec.nullable):
                TypeAdapter(spec.response).validate_python(result)
        return JsonReply(json.dumps(result, default=str))


def _conv(spec: RouteSpec, name: str) -> str:
    """Offer ids hold a slash (`<interaction>/o<n>`): that parameter takes a path."""
    return "path" if name == "offer" else "string"

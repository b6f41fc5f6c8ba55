"""The Flask application: `create_app(services, store, …)`.

Routes are declared once in `calldesk.web.routes` on an `Api` registry, which also yields the
OpenAPI 3.1 document (`/api/openapi.json`). The desktop's pages (`calldesk.web.pages:bp`) are
registered when that module exists.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from calldesk.service import Services
from calldesk.store import Store
from calldesk.web.api import Api, error_response
from calldesk.web.context import Web
from calldesk.web.fastpath import FastApi

MAX_BODY = 64 * 1024


def create_app(
    services: Services,
    store: Store,
    *,
    clock: Callable[[], float] = time.time,
    tls: bool = False,
    max_body: int = MAX_BODY,
    validate_responses: bool = False,
    extras: dict[str, Any] | None = None,
    metrics_token: str = "",
    webhooks: Any = None,
    digital: Any = None,
) -> Flask:
    """`digital`: the controller's `DigitalSystem` (chat, SMS, email), when configured."""
    from calldesk.web import events, metrics, routes

    app = Flask("calldesk.web", static_folder=None)  # the pages blueprint serves /static
    app.config["MAX_CONTENT_LENGTH"] = max_body
    web = Web(
        services,
        store,
        clock,
        tls=tls,
        validate_responses=validate_responses,
        extras=dict(extras or {}),
    )
    web.metrics = metrics.Metrics(web, token=metrics_token)
    web.hub = events.EventHub(web)
    web.extras["webhooks"] = webhooks
    api = Api()
    api.web = web
    routes.register(api)
    app.extensions["calldesk"] = web
    app.extensions["calldesk.api"] = api
    app.register_blueprint(api.bp)
    events.register(app, web)
    metrics.register(app, web)
    _pages(app)
    if digital is not None:
        _digital(app, web, digital)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        name = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(code, "http")
        detail = "body larger than the limit" if code == 413 else exc.description or exc.name
        return error_response(code, name, detail, "body" if code == 413 else None)

    app.wsgi_app = FastApi(app, api)  # type: ignore[method-assign]  # the JSON routes, lean
    return app


def _digital(app: Flask, web: Web, system: Any) -> None:
    """The public chat endpoint and the SMS provider's webhooks; typing (pushed, never
    journaled) from the visitor's widget and from the agents' API to the agents' sockets."""
    from calldesk.web import chat

    app.extensions["calldesk.chat"] = system.chat
    app.register_blueprint(chat.bp)
    if system.sms_webhook is not None:
        app.register_blueprint(system.sms_webhook)
    desk = system.desk

    def visitor_typing(visitor: str, iid: str) -> None:
        conv = desk.messages.get(iid)
        agent = conv.agent if conv is not None else ""
        web.hub.push("typing", iid, {"agent": agent or None, "author": "customer", "on": True})

    system.hub.on_visitor_typing.append(visitor_typing)
    if web.services.digital is not None and hasattr(web.services.digital, "typing_push"):
        web.services.digital.typing_push = lambda iid, data: web.hub.push("typing", iid, data)


def _pages(app: Flask) -> None:
    try:
        pages = importlib.import_module("calldesk.web.pages")
    except ModuleNotFoundError as exc:
        if exc.name != "calldesk.web.pages":
            raise
        return
    app.register_blueprint(pages.bp)

"""The HTTP API of calldesk: Flask on gevent's WSGI server, in the controller's process.

`serve_http(controller)` builds the app over the controller's services and starts it;
`calldesk.web.app.create_app` builds the app alone (tests, other hosts).
"""

from __future__ import annotations

import os
from typing import Any

from calldesk.web.server import HttpServer, check_bind, is_loopback


def serve_http(controller: Any, *, validate_responses: bool = False) -> HttpServer:
    from calldesk.web.app import create_app
    from calldesk.web.webhooks import Webhooks

    http = controller.config["http"]
    tls = check_bind(http)
    token = os.environ.get(http["metrics_token_env"], "") if http["metrics_token_env"] else ""
    hooks = Webhooks.from_config(
        controller.config["webhooks"], controller.store, controller.acd.clock, os.environ
    )
    app = create_app(
        controller.services,
        controller.store,
        clock=controller.acd.clock,
        tls=tls,
        max_body=http["max_body"],
        validate_responses=validate_responses,
        extras={"board": controller.board},
        metrics_token=token,
        webhooks=hooks,
        digital=getattr(controller, "digital", None),
    )
    server = HttpServer(app, http).start()
    if hooks is not None:
        controller.greenlets.append(hooks.start())
    return server


__all__ = ["HttpServer", "check_bind", "is_loopback", "serve_http"]

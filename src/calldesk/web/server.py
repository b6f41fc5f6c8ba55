"""The HTTP server of `calldesk serve`: gevent's WSGI server in the controller's own hub.

Binds to `http.host`/`http.port` (loopback by default). With `http.tls_cert`/`http.tls_key` it
speaks TLS (and session cookies are Secure). A non-loopback bind without TLS is refused unless
`http.allow_plain: true`.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from typing import Any

from gevent.pywsgi import WSGIServer

from calldesk.errors import ConfigError
from calldesk.web.handler import Handler

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(http: dict[str, Any]) -> bool:
    """Whether TLS is on; refuses an exposed plain-text bind. Errors name the key."""
    cert, key = http.get("tls_cert") or "", http.get("tls_key") or ""
    if bool(cert) != bool(key):
        raise ConfigError(
            "http.tls_key" if cert else "http.tls_cert", "tls_cert and tls_key go together"
        )
    for name, path in (("http.tls_cert", cert), ("http.tls_key", key)):
        if path and not os.path.isfile(path):
            raise ConfigError(name, f"no such file {path!r}")
    tls = bool(cert)
    if not tls and not is_loopback(http["host"]) and not http.get("allow_plain"):
        raise ConfigError(
            "http.host",
            f"{http['host']} is not loopback: configure http.tls_cert "
            "and http.tls_key, or set http.allow_plain: true",
        )
    return tls


class HttpServer:
    def __init__(self, app: Any, http: dict[str, Any]) -> None:
        self.tls = check_bind(http)
        ssl = {"certfile": http["tls_cert"], "keyfile": http["tls_key"]} if self.tls else {}
        self.server = WSGIServer(
            (http["host"], http["port"]),
            app,
            log=None,
            error_log=log,
            handler_class=Handler,
            **ssl,
        )
        web = getattr(app, "extensions", {}).get("calldesk")
        self._on_stop = [web.audit.flush] if web is not None else []  # queued journal lines
        self.loop = web.metrics.loop if web is not None and web.metrics is not None else None

    def start(self) -> HttpServer:
        self.server.start()
        if self.loop is not None:
            self.loop.start()
        return self

    @property
    def address(self) -> tuple[str, int]:
        return self.server.address[0], int(self.server.server_port or 0)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def stop(self) -> None:
        self.server.stop(timeout=1)
        if self.loop is not None:
            self.loop.stop()
        for fn in self._on_stop:
            fn()
